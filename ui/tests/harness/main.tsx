// TEST ONLY: the real App over the in-memory FakeBackend, for looking at the screens in a
// browser without the Rust side (`npm run harness`, then open /tmp/gridcase-harness via HTTP).
// #field, #supervisor or #signin picks the starting state; #field-empty has no cases.
import { render } from 'preact';
import 'leaflet/dist/leaflet.css';
import '../../src/styles.css';
import { App } from '../../src/app';
import { setLocale } from '../../src/i18n';
import { FakeBackend } from '../fake-backend';

setLocale('zh-CN');
const h = location.hash.slice(1);
const b = new FakeBackend({ mode: h.startsWith('field') ? 'field' : 'supervisor', signedIn: h !== 'signin', cases: h === 'field-empty' ? 0 : 10_000, now: Date.now() });
(window as unknown as { fake: FakeBackend }).fake = b;
render(<App backend={b} />, document.getElementById('app')!);
