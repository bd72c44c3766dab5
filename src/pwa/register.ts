// Registers the service worker that precaches the app shell (offline start), and asks the person before an
// update reloads the page: a wallet mid-payment must not vanish under them.
import { registerSW } from 'virtual:pwa-register';

const UPDATE_EVENT = 'seedpay:update-available';

function showUpdatePrompt(update: () => Promise<void>): void {
  const bar = document.createElement('div');
  bar.setAttribute('role', 'status');
  bar.className = 'seedpay-update';
  bar.style.cssText =
    'position:fixed;inset:auto 1rem 1rem auto;z-index:1000;display:flex;gap:.75rem;align-items:center;' +
    'padding:.75rem 1rem;border-radius:.75rem;background:#0f172a;color:#f8fafc;box-shadow:0 8px 24px #0004';
  const text = document.createElement('span');
  text.textContent = 'A new version of Seedpay is ready.';
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.textContent = 'Reload';
  reload.style.cssText = 'border:0;border-radius:.5rem;padding:.35rem .9rem;background:#2dd4bf;color:#042f2e;cursor:pointer';
  reload.addEventListener('click', () => void update());
  const later = document.createElement('button');
  later.type = 'button';
  later.textContent = 'Later';
  later.style.cssText = 'border:0;background:transparent;color:#cbd5e1;cursor:pointer';
  later.addEventListener('click', () => bar.remove());
  bar.append(text, reload, later);
  document.body.append(bar);
}

if ('serviceWorker' in navigator) {
  const updateSW = registerSW({
    immediate: true,
    onNeedRefresh() {
      window.dispatchEvent(new CustomEvent(UPDATE_EVENT));
      showUpdatePrompt(() => updateSW(true));
    },
  });
}
