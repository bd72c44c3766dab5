// Entry of /embed-pay.html, the first-party window a cross-site player opens to be paid for (PayWindow.svelte).
// It boots no peer and no service worker: it reads the vault, asks, and hands the unlocked key to its opener.
import { mount } from 'svelte';
import PayWindow from './PayWindow.svelte';

const target = document.getElementById('pay');
if (!target) throw new Error('missing #pay element');
mount(PayWindow, { target });
