// gst-plugins-onair: the ASCILINE page of asciiline-web
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Receives "INIT:{fps}:{mode}:{cols}:{rows}:0", then frames: binary
// [uint32 BE index][cols*rows x (char, R, G, B)] in modes 2-5, text
// "{index}\n" + rows in mode 1.  A frame is due at index / fps seconds
// after index 0 on the clock: the sound's position while it plays,
// otherwise the page's own time, started at the first frame.
"use strict";

const LATE = 0.1;   // a frame older than this is skipped
const EARLY = 0.05; // a frame is drawn this much ahead of its time
const MAX_QUEUE = 90;

const canvas = document.getElementById("screen");
const ctx = canvas.getContext("2d");
const statusEl = document.getElementById("status");
const audio = document.getElementById("audio");
const client = Math.random().toString(36).slice(2);

const state = {
  inits: 0, framesReceived: 0, framesDrawn: 0, firstIndex: -1,
  lastIndex: -1, colouredCells: 0, clock: "wall", ended: false,
};
window.asciiline = state;

let fps = 30, mode = 3, cols = 0, rows = 0, charWidth = 5;
const charHeight = 8;
let queue = [];
let wallOffset = null;  // stream seconds = performance.now() / 1000 + this
let audioStart = null;  // stream seconds at the sound's position 0

function clockNow() {
  if (audioStart !== null && !audio.paused && audio.currentTime > 0) {
    state.clock = "audio";
    return audioStart + audio.currentTime;
  }
  state.clock = "wall";
  return performance.now() / 1000 + wallOffset;
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
  wallOffset = null;
  audioStart = null;
  state.inits++;
  state.firstIndex = -1;
  if (!audio.paused)
    fetchAudioStart();
}

function receive(frame) {
  state.framesReceived++;
  state.lastIndex = frame.index;
  if (state.firstIndex < 0) {
    // The first frame shows at once and sets the page's clock.
    state.firstIndex = frame.index;
    wallOffset = frame.time - performance.now() / 1000;
    draw(frame);
    return;
  }
  queue.push(frame);
  if (queue.length > MAX_QUEUE)
    queue.splice(0, queue.length - MAX_QUEUE);
}

function draw(frame) {
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
}

function tick() {
  if (queue.length > 0) {
    const now = clockNow();
    let due = null;
    while (queue.length > 0 && queue[0].time <= now + EARLY) {
      const f = queue.shift();
      if (f.time >= now - LATE || queue.length === 0)
        due = f;
    }
    if (due !== null)
      draw(due);
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

// The sound's clock: where its stream starts, from the server.
function fetchAudioStart() {
  fetch(`/audio-start?client=${client}`).then((r) => r.json()).then((j) => {
    if (j.position === null)
      setTimeout(fetchAudioStart, 100);
    else
      audioStart = j.position;
  }).catch(() => setTimeout(fetchAudioStart, 500));
}

function startSound() {
  audio.src = `/audio?client=${client}`;
  audio.play().then(fetchAudioStart).catch(() => {
    document.getElementById("sound").disabled = false;
  });
}

document.getElementById("sound").onclick = () => {
  document.getElementById("sound").disabled = true;
  startSound();
};

connect();
startSound();
setInterval(tick, 10);
