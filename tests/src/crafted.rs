//! Crafted Automerge bytes for the security suite: what a tampered app on a signed-in tablet
//! could push. Each helper produces bytes that Automerge itself accepts, so the tests show
//! that the server's gate, not the decoder, refuses them.

use anyhow::{Context, Result, bail};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjType, ROOT, ReadDoc};
use sha2::{Digest, Sha256};

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

fn uleb(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_uleb(bytes: &[u8], at: &mut usize) -> Result<u64> {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*at).context("leb runs off the end")?;
        *at += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
    }
}

/// A change chunk from its body: `magic, checksum, type 1, uleb(len), body`, with the
/// checksum Automerge computes (the first 4 bytes of SHA-256 over type, length and body).
fn change_chunk(body: &[u8]) -> Vec<u8> {
    let mut header = vec![1u8];
    uleb(body.len() as u64, &mut header);
    let mut hasher = Sha256::new();
    hasher.update(&header);
    hasher.update(body);
    let hash = hasher.finalize();
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&hash[..4]);
    out.extend_from_slice(&header);
    out.extend_from_slice(body);
    out
}

/// Re-encodes one uncompressed change chunk non-canonically: an actor that none of its
/// operations uses is added to its actor table. Automerge accepts the change (same operations,
/// a new hash) but writes it back without that actor, so a snapshot saved after merging it
/// names a change hash nobody can recompute.
pub fn with_unused_actor(chunk: &[u8]) -> Result<Vec<u8>> {
    if chunk.len() < 9 || chunk[..4] != MAGIC || chunk[8] != 1 {
        bail!("not an uncompressed change chunk");
    }
    let mut at = 9;
    let len = read_uleb(chunk, &mut at)? as usize;
    let body = chunk.get(at..at + len).context("truncated chunk")?;
    let mut p = 0;
    let deps = read_uleb(body, &mut p)? as usize;
    p += deps * 32;
    let actor_len = read_uleb(body, &mut p)? as usize;
    p += actor_len;
    read_uleb(body, &mut p)?; // seq
    read_uleb(body, &mut p)?; // start op
    read_uleb(body, &mut p)?; // time (sleb: same byte walk)
    let message_len = read_uleb(body, &mut p)? as usize;
    p += message_len;
    let count_at = p;
    let others = read_uleb(body, &mut p)?;
    for _ in 0..others {
        let l = read_uleb(body, &mut p)? as usize;
        p += l;
    }
    let mut new_body = body[..count_at].to_vec();
    uleb(others + 1, &mut new_body);
    let mut q = count_at;
    read_uleb(body, &mut q)?;
    new_body.extend_from_slice(&body[q..p]);
    new_body.push(16);
    new_body.extend_from_slice(&[0xab; 16]);
    new_body.extend_from_slice(&body[p..]);
    Ok(change_chunk(&new_body))
}

/// The last change chunk of `changes` (concatenated uncompressed chunks) and the bytes before it.
pub fn split_last(changes: &[u8]) -> Result<(&[u8], &[u8])> {
    let mut starts = Vec::new();
    let mut at = 0;
    while at < changes.len() {
        starts.push(at);
        let mut p = at + 9;
        let len = read_uleb(changes, &mut p)? as usize;
        at = p + len;
    }
    let last = *starts.last().context("no chunk")?;
    Ok((&changes[..last], &changes[last..]))
}

/// A new entry `events/<key>` holding an object nested `depth` levels deep, written as
/// `actor` on top of `saved` (a saved case document); returns the changes after `saved`'s heads.
pub fn nested_entry(saved: &[u8], actor: ActorId, key: &str, depth: usize) -> Result<Vec<u8>> {
    let mut doc = AutoCommit::load(saved)?;
    let before = doc.get_heads();
    doc.set_actor(actor);
    let (_, events) = doc.get(ROOT, "events")?.context("no events map")?;
    let mut obj = doc.put_object(&events, key, ObjType::Map)?;
    doc.put(&obj, "type", "comment")?;
    for _ in 0..depth {
        obj = doc.put_object(&obj, "x", ObjType::Map)?;
    }
    doc.commit();
    Ok(doc.save_after(&before))
}

/// One change putting a `len`-byte string under a new entry, compressed with deflate the way
/// Automerge compresses large changes: a few KB on the wire that inflate to `len` bytes.
pub fn compressed_big_change(
    saved: &[u8],
    actor: ActorId,
    key: &str,
    len: usize,
) -> Result<Vec<u8>> {
    let mut doc = AutoCommit::load(saved)?;
    doc.set_actor(actor);
    let (_, events) = doc.get(ROOT, "events")?.context("no events map")?;
    let obj = doc.put_object(&events, key, ObjType::Map)?;
    doc.put(&obj, "payload", "a".repeat(len))?;
    doc.commit();
    let hash = doc.get_heads()[0];
    let mut change = doc.get_change_by_hash(&hash).context("the change")?;
    Ok(change.bytes().into_owned())
}
