// Entry point: the Tauri backend and the app. Leaflet's stylesheet is bundled (no network).
import { render } from 'preact';
import 'leaflet/dist/leaflet.css';
import './styles.css';
import { App } from './app';
import { createTauriBackend } from './backend';
import { getLocale } from './i18n';

document.documentElement.lang = getLocale();
const root = document.getElementById('app')!;
createTauriBackend().then(
  (backend) => render(<App backend={backend} />, root),
  (e) => { root.textContent = `无法加载应用接口：${String(e)}`; },
);
