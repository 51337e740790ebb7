// TEST ONLY: the real App over the in-memory FakeBackend, for looking at the screens in a
// browser without the Rust side (`npm run harness`, then open /tmp/gridcase-harness via HTTP).
// #field, #supervisor or #signin picks the starting state; #field-empty has no cases.
// #supervisor-intake signs in a 受理员 (热线受理). The basemap is read from ./tiles/{z}/{x}/{y}.pbf (tests/harness/make-basemap.py); ?nobase turns it off.
import { render } from 'preact';
import 'leaflet/dist/leaflet.css';
import '../../src/styles.css';
import { App } from '../../src/app';
import { setLocale } from '../../src/i18n';
import { FakeBackend } from '../fake-backend';

setLocale('zh-CN');
const h = location.hash.slice(1);
const b = new FakeBackend({ mode: h.startsWith('field') ? 'field' : 'supervisor', signedIn: h !== 'signin', cases: h === 'field-empty' ? 0 : 10_000, now: Date.now(), role: h.includes('intake') ? 'intake_operator' : undefined,
  basemapUrl: location.search.includes('nobase') ? undefined : `${new URL('tiles/', location.href).href}{z}/{x}/{y}.pbf` });
(window as unknown as { fake: FakeBackend }).fake = b;
render(<App backend={b} />, document.getElementById('app')!);
