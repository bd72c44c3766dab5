// webrtc-polyfill's interface, served by @roamhq/wrtc (see hooks.mjs).
import wrtc from '@roamhq/wrtc';

export const { RTCPeerConnection, RTCSessionDescription, RTCIceCandidate, RTCDataChannel } = wrtc;
export default wrtc;
