// whepsink player: plays one WHEP endpoint in a <video>.
//
// The endpoint is <body data-endpoint="...">, which whepsink fills in when it
// serves the page; a relative endpoint is resolved against the page.  One
// RTCPeerConnection at a time, receive-only video and audio, the offer sent
// once ICE gathering is complete (no trickle ICE).  A failed POST, a failed
// connection, or one disconnected for more than 5 s starts over after a
// backoff of 1 s doubling to 10 s.  Leaving the page DELETEs the session.
//
// window.whepPlayer exposes the live state for tests: {pc, state, ...}.
(() => {
  'use strict';

  const GATHER_CAP_MS = 2000;
  const DISCONNECT_GRACE_MS = 5000;
  const CONNECT_TIMEOUT_MS = 15000;
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 10000;

  const video = document.getElementById('video');
  const statusLine = document.getElementById('status');
  const unmuteButton = document.getElementById('unmute');

  function endpointUrl() {
    const endpoint = document.body.dataset.endpoint;
    // Not filled in (the page opened from elsewhere): whepsink's default
    // layout puts the endpoint "whep" beside the page.
    const unset = !endpoint || /^@[A-Z_]+@$/.test(endpoint);
    return new URL(unset ? 'whep' : endpoint, location.href).href;
  }

  const player = {
    pc: null,            // the current RTCPeerConnection
    state: 'new',        // new, connecting, connected, playing, disconnected, retrying, closed
    endpoint: endpointUrl(),
    session: null,       // absolute URL of the current session (the Location)
    attempts: 0,         // POSTs made so far
    lastError: null,
  };
  window.whepPlayer = player;

  let generation = 0;    // bumped whenever a connection is dropped: stale callbacks check it
  let backoff = BACKOFF_MIN_MS;
  let retryTimer = 0;
  let graceTimer = 0;
  let connectTimer = 0;

  const KIND = {
    connected: 'ok', playing: 'ok',
    retrying: 'error', closed: 'error',
  };

  function setState(state, text) {
    player.state = state;
    statusLine.textContent = text || state;
    statusLine.dataset.kind = KIND[state] || 'busy';
  }

  function clearTimers() {
    clearTimeout(retryTimer);
    clearTimeout(graceTimer);
    clearTimeout(connectTimer);
    retryTimer = graceTimer = connectTimer = 0;
  }

  function deleteSession(url, keepalive) {
    if (url)
      fetch(url, { method: 'DELETE', keepalive }).catch(() => {});
  }

  // Drops the current connection and its session, if any.
  function drop() {
    generation++;
    clearTimers();
    if (player.pc) {
      player.pc.close();
      player.pc = null;
    }
    deleteSession(player.session, false);
    player.session = null;
  }

  function waitForIceGathering(pc, capMs) {
    return new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete')
        return resolve();
      const check = () => {
        if (pc.iceGatheringState === 'complete')
          done();
      };
      const done = () => {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      };
      const timer = setTimeout(done, capMs);
      pc.addEventListener('icegatheringstatechange', check);
    });
  }

  class HttpError extends Error {
    constructor(response, body) {
      const reason = body.trim().split('\n')[0].slice(0, 100);
      super(`server answered ${response.status}${reason ? ': ' + reason : ''}`);
      const retryAfter = Number(response.headers.get('Retry-After'));
      this.retryAfterMs = retryAfter > 0 ? retryAfter * 1000 : null;
    }
  }

  async function connect() {
    drop();
    const gen = generation;
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    const stream = new MediaStream();
    player.pc = pc;
    player.attempts++;

    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    pc.addEventListener('track', (event) => {
      if (gen !== generation)
        return;
      stream.addTrack(event.track);
      if (video.srcObject !== stream) {
        video.srcObject = stream;
        video.play().catch(() => {});   // autoplay does it too where allowed
      }
    });
    pc.addEventListener('connectionstatechange', () => {
      if (gen === generation)
        onConnectionState(pc.connectionState);
    });

    setState('connecting', 'connecting…');
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await waitForIceGathering(pc, GATHER_CAP_MS);
      if (gen !== generation)
        return;
      const response = await fetch(player.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp' },
        body: pc.localDescription.sdp,
      });
      const body = await response.text();
      const location = response.ok && response.headers.get('Location');
      const session = location ? new URL(location, player.endpoint).href : null;
      if (gen !== generation) {
        deleteSession(session, false);   // we left while the server answered
        return;
      }
      if (!response.ok)
        throw new HttpError(response, body);
      player.session = session;
      await pc.setRemoteDescription({ type: 'answer', sdp: body });
      if (gen !== generation)
        return;
      if (pc.connectionState !== 'connected') {
        setState('connecting', 'connecting media…');
        connectTimer = setTimeout(() => {
          if (gen === generation)
            retry('no connection after ' + CONNECT_TIMEOUT_MS / 1000 + ' s');
        }, CONNECT_TIMEOUT_MS);
      }
    } catch (err) {
      if (gen !== generation)
        return;
      // fetch() rejects with a TypeError when it gets no answer at all
      retry(err instanceof TypeError ? 'cannot reach the server' : err.message,
            err.retryAfterMs);
    }
  }

  function onConnectionState(state) {
    switch (state) {
      case 'connected':
        clearTimeout(graceTimer);
        clearTimeout(connectTimer);
        backoff = BACKOFF_MIN_MS;
        player.lastError = null;
        showPlaying();
        break;
      case 'disconnected':
        setState('disconnected', 'connection interrupted…');
        clearTimeout(graceTimer);
        graceTimer = setTimeout(() => retry('connection lost'), DISCONNECT_GRACE_MS);
        break;
      case 'failed':
        retry('connection failed');
        break;
      default:   // new, connecting; closed only after drop()
        break;
    }
  }

  function retry(reason, hintMs) {
    drop();
    const delay = Math.min(Math.max(hintMs || backoff, BACKOFF_MIN_MS), BACKOFF_MAX_MS);
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    player.lastError = reason;
    setState('retrying', `${reason} — retrying in ${Math.round(delay / 1000)} s`);
    retryTimer = setTimeout(connect, delay);
  }

  function showPlaying() {
    if (!player.pc || player.pc.connectionState !== 'connected')
      return;
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth)
      setState('playing', `playing ${video.videoWidth}×${video.videoHeight}`);
    else
      setState('connected', 'connected, waiting for video…');
  }

  video.addEventListener('playing', showPlaying);
  video.addEventListener('resize', showPlaying);

  function showMuted() {
    unmuteButton.textContent = video.muted ? 'Unmute' : 'Mute';
  }
  unmuteButton.addEventListener('click', () => {
    video.muted = !video.muted;
    video.play().catch(() => {});
  });
  video.addEventListener('volumechange', showMuted);
  video.addEventListener('click', () => video.play().catch(() => {}));

  window.addEventListener('pagehide', () => {
    const session = player.session;
    player.session = null;
    drop();
    deleteSession(session, true);
    setState('closed', 'closed');
  });
  window.addEventListener('pageshow', (event) => {
    if (event.persisted)
      connect();
  });

  showMuted();
  connect();
})();
