// Entry of the Seedpay single-page app: mounts the root Svelte component.
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('missing #app element');
mount(App, { target });
