//! A case to and from its Automerge 0.12 document.
