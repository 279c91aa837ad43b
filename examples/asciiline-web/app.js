// gst-plugins-onair: the ASCILINE page of asciiline-web
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Receives "INIT:{fps}:{mode}:{cols}:{rows}:0", then frames: binary
// [uint32 BE index][cols*rows x (char, R, G, B)] in modes 2-5, text
// "{index}\n" + rows in mode 1.  A frame is due at index / fps seconds
// after index 0 on the clock.
//
// The clock is the sound's position while the sound advances.  A sound that
// stops advancing (no output device, autoplay refused, a slow /audio) hands
// over to the page's own clock, which goes on from the position where the
// sound stopped: the picture neither waits for the sound nor jumps.  When
// the sound moves again it is the clock again.  A sound that comes back
// more than MAX_LAG behind the picture, or falls further behind than the
// frame queue holds, is loaded again instead: the server starts it just
// before the live position.
"use strict";

const LATE = 0.1;   // a frame older than this is skipped
const EARLY = 0.05; // a frame is drawn this much ahead of its time
// The queue holds this many seconds of frames: enough to wait for a sound
// that starts a few seconds behind the live frames, as a browser's media
// pipeline buffers before it plays.
const MAX_QUEUE_SECONDS = 8;
const STALL = 0.25;  // page seconds without the sound moving: it stopped
const RESUME = 0.1;  // sound seconds played past the stop: it moves again
const MAX_LAG = 0.5; // stream seconds a returning sound may be behind

const canvas = document.getElementById("screen");
const ctx = canvas.getContext("2d");
const statusEl = document.getElementById("status");
const audio = document.getElementById("audio");
const client = Math.random().toString(36).slice(2);

// What the page decided, for the status line and for tests.
const state = {
  inits: 0, framesReceived: 0, framesDrawn: 0, firstIndex: -1,
  lastIndex: -1, colouredCells: 0, fps: 0, ended: false,
  clock: "wall",          // what times the frames: "audio" or "wall"
  toAudio: 0, toWall: 0,  // switches of the clock, each way
  switchFrom: null,       // the old clock's last reading and the new
  switchTo: null,         // one's first at the last switch (stream s)
  soundRestarts: 0,       // loads of the sound for being too far behind
  soundId: "",            // the sound's client id at /audio
  soundStart: null,       // stream seconds at the sound's position 0
  drawnIndex: -1,         // the last frame drawn,
  drawnAt: null,          // the clock's reading when it was drawn,
  drawnClock: "",         // and which clock that was
};
window.asciiline = state;

let fps = 30, mode = 3, cols = 0, rows = 0, charWidth = 5;
const charHeight = 8;
let queue = [];
let wallOffset = null;  // stream seconds = performance.now() / 1000 + this
let lastClock = null;   // the clock's last reading, in stream seconds
let soundLoads = 0;

// The sound as the page sees it, for one load of /audio.
const sound = {
  seen: 0,         // audio.currentTime at the last look
  seenAt: 0,       // page seconds when it last changed
  from: 0,         // it moves again once past this position plus RESUME
  playing: false,  // it advances
  stopped: false,  // it stopped after it had played
};

function maxQueue() {
  return Math.ceil(MAX_QUEUE_SECONDS * fps);
}

function soundPosition() {
  return state.soundStart === null ? null :
      state.soundStart + audio.currentTime;
}

function wallPosition(now) {
  return wallOffset === null ? null : now + wallOffset;
}

// Follows the sound's position from one look to the next.
function watchSound(now) {
  const t = audio.currentTime;
  if (t !== sound.seen) {
    sound.seen = t;
    sound.seenAt = now;
  }
  const moving = !audio.paused && now - sound.seenAt < STALL;
  if (sound.playing && !moving) {
    sound.playing = false;
    sound.stopped = true;
    sound.from = t;
  } else if (!sound.playing && moving && t >= sound.from + RESUME) {
    sound.playing = true;
  }
}

// Records the switch: the old clock's last reading and the new clock's
// first.  They are equal when the page's clock takes over, as the picture
// goes on where it was.
function switchClock(to, now) {
  state.switchFrom = lastClock;
  state.clock = to;
  state.switchTo = readClock(now);
  if (to === "audio")
    state.toAudio++;
  else
    state.toWall++;
}

function readClock(now) {
  return state.clock === "audio" ? soundPosition() : wallPosition(now);
}

// The clock's reading now, in stream seconds (null before the first frame
// when the sound does not play).
function clockNow() {
  const now = performance.now() / 1000;
  watchSound(now);
  const audible = sound.playing && state.soundStart !== null;
  // A full queue means the sound is further behind the frames than the
  // queue holds: the picture would stop waiting for it.
  const behind = queue.length >= maxQueue();
  if (state.clock === "audio" && (!audible || behind)) {
    // The page's own clock takes over where the sound stopped.
    wallOffset = lastClock - now;
    switchClock("wall", now);
    if (audible)
      restartSound();
  } else if (state.clock === "wall" && audible) {
    const wall = wallPosition(now);
    if (sound.stopped && wall !== null && wall - soundPosition() > MAX_LAG)
      restartSound();
    else
      switchClock("audio", now);
  }
  lastClock = readClock(now);
  return lastClock;
}

function showStatus(text) {
  statusEl.textContent = text;
  for (const [k, v] of Object.entries(state))
    statusEl.dataset[k] = String(v);
}

function init(message) {
  const p = message.split(":");
  fps = parseFloat(p[1]);
  mode = parseInt(p[2], 10);
  cols = parseInt(p[3], 10);
  rows = parseInt(p[4], 10);
  ctx.font = "bold 8px 'Courier New', monospace";
  charWidth = Math.max(1, ctx.measureText("M").width);
  canvas.width = Math.ceil(cols * charWidth);
  canvas.height = rows * charHeight;
  queue = [];
  // Index 0 starts again: so do both clocks.
  const hadStart = state.soundStart !== null;
  wallOffset = null;
  state.clock = "wall";
  state.soundStart = null;
  state.fps = fps;
  state.inits++;
  state.firstIndex = -1;
  if (hadStart)
    fetchSoundStart(state.soundId);
}

function receive(frame) {
  state.framesReceived++;
  state.lastIndex = frame.index;
  if (state.firstIndex < 0) {
    // The first frame shows at once and sets the page's clock.
    state.firstIndex = frame.index;
    wallOffset = frame.time - performance.now() / 1000;
    draw(frame, clockNow());
    return;
  }
  queue.push(frame);
  if (queue.length > maxQueue())
    queue.splice(0, queue.length - maxQueue());
}

function draw(frame, at) {
  ctx.fillStyle = "#050505";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.font = "bold 8px 'Courier New', monospace";
  ctx.textBaseline = "top";
  let coloured = 0;
  if (frame.text !== undefined) {
    ctx.fillStyle = "#ffffff";
    frame.text.split("\n").forEach((line, y) => {
      ctx.fillText(line, 0, y * charHeight);
      coloured += line.replace(/ /g, "").length;
    });
  } else {
    const cells = frame.cells;
    let last = -1;
    for (let y = 0, i = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++, i += 4) {
        const c = cells[i];
        if (c === 32)
          continue;
        const rgb = (cells[i + 1] << 16) | (cells[i + 2] << 8) | cells[i + 3];
        if (rgb !== last) {
          ctx.fillStyle = "rgb(" + cells[i + 1] + "," + cells[i + 2] + "," +
              cells[i + 3] + ")";
          last = rgb;
        }
        if (rgb !== 0)
          coloured++;
        ctx.fillText(String.fromCharCode(c & 0x7f), x * charWidth,
            y * charHeight);
      }
    }
  }
  state.framesDrawn++;
  state.colouredCells = coloured;
  state.drawnIndex = frame.index;
  state.drawnAt = at;
  state.drawnClock = state.clock;
}

function tick() {
  const now = clockNow();
  if (queue.length > 0 && now !== null) {
    let due = null;
    while (queue.length > 0 && queue[0].time <= now + EARLY) {
      const f = queue.shift();
      if (f.time >= now - LATE || queue.length === 0)
        due = f;
    }
    if (due !== null)
      draw(due, now);
  }
  showStatus(state.ended ? "stream ended" :
      `frames ${state.framesDrawn} drawn, ${state.framesReceived} received` +
      ` (index ${state.firstIndex} to ${state.lastIndex}), clock ` +
      state.clock);
}

function connect() {
  const ws = new WebSocket(`ws://${location.host}/ws?client=${client}`);
  ws.binaryType = "arraybuffer";
  ws.onmessage = (event) => {
    if (typeof event.data === "string") {
      if (event.data.startsWith("INIT:")) {
        init(event.data);
      } else if (event.data.startsWith("Error:")) {
        showStatus(event.data);
      } else if (mode === 1) {
        const nl = event.data.indexOf("\n");
        const index = parseInt(event.data.slice(0, nl), 10);
        receive({ index, time: index / fps, text: event.data.slice(nl + 1) });
      }
      return;
    }
    const view = new DataView(event.data);
    const index = view.getUint32(0, false);
    receive({ index, time: index / fps,
      cells: new Uint8Array(event.data, 4) });
  };
  ws.onclose = () => { state.ended = true; };
}

// Where a load of the sound starts in the stream, from the server.
function fetchSoundStart(id) {
  fetch(`/audio-start?client=${id}`).then((r) => r.json()).then((j) => {
    if (id !== state.soundId)
      return;
    if (j.position === null)
      setTimeout(fetchSoundStart, 100, id);
    else
      state.soundStart = j.position;
  }).catch(() => {
    if (id === state.soundId)
      setTimeout(fetchSoundStart, 500, id);
  });
}

// Loads the sound afresh: the server starts it just before the live
// position.  Each load has an id of its own, so that an answer about an
// earlier one is never taken for it.
function startSound() {
  const id = `${client}-${++soundLoads}`;
  state.soundId = id;
  state.soundStart = null;
  Object.assign(sound, { seen: 0, seenAt: 0, from: 0, playing: false,
    stopped: false });
  audio.src = `/audio?client=${id}`;
  audio.play().then(() => fetchSoundStart(id)).catch(() => {
    if (id === state.soundId)
      document.getElementById("sound").disabled = false;
  });
}

function restartSound() {
  state.soundRestarts++;
  startSound();
}

document.getElementById("sound").onclick = () => {
  document.getElementById("sound").disabled = true;
  startSound();
};

connect();
startSound();
setInterval(tick, 10);
