// Animations with controls, offline, no library.
// Each animated figure (a GIF drawn by scripts/, figures/NAME.gif) becomes a small player: the
// frames are decoded here from the GIF itself and drawn on a canvas, with buttons for the
// previous frame, play/pause and the next frame, and a slider over all frames. A reader who asks
// for reduced motion (prefers-reduced-motion) gets the player paused on the last frame, which
// shows the whole result; nothing moves until they press play. Without JavaScript, or if the
// file cannot be read, the GIF stays as it is.
// The player is a control of its own, so the lightbox (reading.js) leaves it alone
// (data-zoom="off"); the original <img> stays inside it, hidden, with its alt text, and the
// canvas carries the same text for screen readers.
(() => {
  const ANIMATIONS = '.md-typeset img[src*="figures/"][src$=".gif"]';
  const zh = () => (document.documentElement.lang || "").startsWith("zh");
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)");

  // ------------------------------------------------------------------ decoding (GIF89a)

  // LZW-compressed colour indices of one image -> Uint8Array of `count` indices.
  function lzw(minSize, data, count) {
    const out = new Uint8Array(count);
    const prefix = new Uint16Array(4096);
    const suffix = new Uint8Array(4096);
    const stack = new Uint8Array(4097);
    const clear = 1 << minSize;
    const end = clear + 1;
    for (let i = 0; i < clear; i++) suffix[i] = i;
    let size = minSize + 1;
    let next = end + 1;
    let old = -1;
    let first = 0;
    let bits = 0;
    let buffer = 0;
    let pos = 0;
    for (let i = 0; i < data.length && pos < count; ) {
      while (bits < size && i < data.length) {
        buffer |= data[i++] << bits;
        bits += 8;
      }
      if (bits < size) break;
      let code = buffer & ((1 << size) - 1);
      buffer >>>= size;
      bits -= size;
      if (code === clear) {
        size = minSize + 1;
        next = end + 1;
        old = -1;
        continue;
      }
      if (code === end) break;
      if (old === -1) {
        out[pos++] = suffix[code];
        first = suffix[code];
        old = code;
        continue;
      }
      const current = code;
      let top = 0;
      if (code >= next) {
        stack[top++] = first; // the string of `old` followed by its own first index
        code = old;
      }
      while (code >= clear) {
        stack[top++] = suffix[code];
        code = prefix[code];
      }
      first = suffix[code];
      stack[top++] = first;
      while (top > 0 && pos < count) out[pos++] = stack[--top];
      if (next < 4096) {
        prefix[next] = old;
        suffix[next] = first;
        next++;
        if (next === 1 << size && size < 12) size++;
      }
      old = current;
    }
    return out;
  }

  // Rows of an interlaced image come in four passes; put them back in order.
  function deinterlace(indices, width, height) {
    const out = new Uint8Array(indices.length);
    let row = 0;
    for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]]) {
      for (let y = start; y < height; y += step, row++) {
        out.set(indices.subarray(row * width, (row + 1) * width), y * width);
      }
    }
    return out;
  }

  // The GIF's frames, each a full ImageData with its delay in milliseconds.
  function decode(buffer) {
    const b = new Uint8Array(buffer);
    const text = String.fromCharCode(...b.subarray(0, 6));
    if (text !== "GIF89a" && text !== "GIF87a") throw new Error("not a GIF");
    const u16 = (i) => b[i] | (b[i + 1] << 8);
    const width = u16(6);
    const height = u16(8);
    let p = 13;
    let global = null;
    if (b[10] & 0x80) {
      const n = 3 << ((b[10] & 7) + 1);
      global = b.subarray(p, p + n);
      p += n;
    }
    const canvas = new Uint8ClampedArray(width * height * 4); // starts transparent
    const frames = [];
    let control = { disposal: 0, delay: 0, transparent: -1 };
    const subBlocks = () => {
      const parts = [];
      let total = 0;
      while (b[p] !== 0) {
        parts.push(b.subarray(p + 1, p + 1 + b[p]));
        total += b[p];
        p += b[p] + 1;
      }
      p++;
      const data = new Uint8Array(total);
      let at = 0;
      for (const part of parts) {
        data.set(part, at);
        at += part.length;
      }
      return data;
    };
    while (p < b.length) {
      const block = b[p++];
      if (block === 0x3b) break; // trailer
      if (block === 0x21) {
        const label = b[p++];
        if (label === 0xf9) {
          const packed = b[p + 1];
          control = {
            disposal: (packed >> 2) & 7,
            delay: u16(p + 2) * 10,
            transparent: packed & 1 ? b[p + 4] : -1,
          };
        }
        subBlocks();
      } else if (block === 0x2c) {
        const [left, top, w, h, packed] = [u16(p), u16(p + 2), u16(p + 4), u16(p + 6), b[p + 8]];
        p += 9;
        let palette = global;
        if (packed & 0x80) {
          const n = 3 << ((packed & 7) + 1);
          palette = b.subarray(p, p + n);
          p += n;
        }
        const minSize = b[p++];
        let indices = lzw(minSize, subBlocks(), w * h);
        if (packed & 0x40) indices = deinterlace(indices, w, h);
        const saved = control.disposal === 3 ? canvas.slice() : null;
        for (let y = 0; y < h; y++) {
          const cy = top + y;
          if (cy >= height) break;
          for (let x = 0; x < w; x++) {
            const cx = left + x;
            if (cx >= width) break;
            const index = indices[y * w + x];
            if (index === control.transparent || !palette) continue;
            const o = (cy * width + cx) * 4;
            canvas[o] = palette[index * 3];
            canvas[o + 1] = palette[index * 3 + 1];
            canvas[o + 2] = palette[index * 3 + 2];
            canvas[o + 3] = 255;
          }
        }
        // browsers show a delay under 20 ms as 100 ms; do the same
        const delay = control.delay < 20 ? 100 : control.delay;
        frames.push({ image: new ImageData(canvas.slice(), width, height), delay });
        if (control.disposal === 2) {
          for (let y = top; y < Math.min(top + h, height); y++) {
            canvas.fill(0, (y * width + left) * 4, (y * width + Math.min(left + w, width)) * 4);
          }
        } else if (saved) {
          canvas.set(saved);
        }
        control = { disposal: 0, delay: 0, transparent: -1 };
      } else {
        throw new Error(`unexpected GIF block ${block} at byte ${p - 1}`);
      }
    }
    if (!frames.length) throw new Error("a GIF without frames");
    return { width, height, frames };
  }

  // ------------------------------------------------------------------ the player

  // Icons drawn here (24 x 24), not characters such as ⏸, which many fonts lack.
  const ICONS = {
    back: "M6 5h2v14H6z M19 5 9 12l10 7z",
    play: "M7 5l12 7-12 7z",
    pause: "M6 5h4v14H6z M14 5h4v14h-4z",
    forward: "M16 5h2v14h-2z M5 5l10 7-10 7z",
  };
  const icon = (name) =>
    `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">` +
    `<path fill="currentColor" d="${ICONS[name]}"/></svg>`;

  function button(name, label, shape) {
    const el = document.createElement("button");
    el.type = "button";
    el.className = `animation__${name}`;
    el.setAttribute("aria-label", label);
    el.title = label;
    el.innerHTML = icon(shape);
    return el;
  }

  function player(img, gif) {
    const words = zh()
      ? { play: "播放", pause: "暂停", back: "上一帧", forward: "下一帧", frame: "帧", of: "动画" }
      : { play: "Play", pause: "Pause", back: "Previous frame", forward: "Next frame", frame: "Frame", of: "Animation" };
    const root = document.createElement("div");
    root.className = "animation";
    root.dataset.zoom = "off";
    root.dataset.frames = String(gif.frames.length);
    const canvas = document.createElement("canvas");
    canvas.width = gif.width;
    canvas.height = gif.height;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", img.alt);
    root.style.maxWidth = `${gif.width}px`; // never enlarged past its own pixels
    const context = canvas.getContext("2d");
    const controls = document.createElement("div");
    controls.className = "animation__controls";
    const back = button("back", words.back, "back");
    const toggle = button("toggle", words.play, "play");
    const forward = button("forward", words.forward, "forward");
    const slider = document.createElement("input");
    slider.type = "range";
    slider.className = "animation__slider";
    slider.min = "1";
    slider.max = String(gif.frames.length);
    slider.setAttribute("aria-label", words.frame);
    const counter = document.createElement("span");
    counter.className = "animation__counter";
    counter.setAttribute("aria-live", "off");
    controls.append(back, toggle, forward, slider, counter);
    root.append(canvas, controls);

    let frame = 0;
    let timer = null;
    const show = (k) => {
      frame = (k + gif.frames.length) % gif.frames.length;
      context.putImageData(gif.frames[frame].image, 0, 0);
      slider.value = String(frame + 1);
      counter.textContent = `${frame + 1} / ${gif.frames.length}`;
      root.dataset.frame = String(frame + 1);
    };
    const tick = () => {
      show(frame + 1);
      timer = setTimeout(tick, gif.frames[frame].delay);
    };
    const pause = () => {
      clearTimeout(timer);
      timer = null;
      toggle.innerHTML = icon("play");
      toggle.setAttribute("aria-label", words.play);
      toggle.title = words.play;
      root.dataset.playing = "false";
    };
    const play = () => {
      if (timer !== null) return;
      toggle.innerHTML = icon("pause");
      toggle.setAttribute("aria-label", words.pause);
      toggle.title = words.pause;
      root.dataset.playing = "true";
      timer = setTimeout(tick, gif.frames[frame].delay);
    };
    toggle.addEventListener("click", () => (timer === null ? play() : pause()));
    back.addEventListener("click", () => {
      pause();
      show(frame - 1);
    });
    forward.addEventListener("click", () => {
      pause();
      show(frame + 1);
    });
    slider.addEventListener("input", () => {
      pause();
      show(Number(slider.value) - 1);
    });
    reduced.addEventListener("change", () => {
      if (reduced.matches) pause();
    });

    if (reduced.matches) {
      show(gif.frames.length - 1);
      pause();
    } else {
      show(0);
      pause();
      play();
    }
    return root;
  }

  async function enhance(img) {
    if (img.closest(".animation")) return;
    img.dataset.animation = "loading";
    try {
      // after the <img> has the file, so that the fetch is answered from the browser's cache
      if (!img.complete) await new Promise((done) => img.addEventListener("load", done, { once: true }));
      const response = await fetch(img.currentSrc || img.src, { cache: "force-cache" });
      if (!response.ok) throw new Error(`${response.status}`);
      const gif = decode(await response.arrayBuffer());
      if (!img.isConnected) return;
      const root = player(img, gif);
      // The lightbox may already have wrapped the figure in a link: the player replaces both.
      // The frame that shows a figure at its readable width (scripts/hooks/figures.py) holds
      // the canvas only, so that the controls stay in view when it scrolls sideways.
      const frame = img.closest(".figure-frame");
      const place = frame || img.closest("a.figure-zoom__link") || img;
      place.replaceWith(root);
      if (frame) {
        const canvas = root.querySelector("canvas");
        frame.replaceChildren();
        canvas.replaceWith(frame);
        frame.appendChild(canvas);
      }
      img.hidden = true;
      root.appendChild(img);
      img.dataset.animation = "player";
    } catch (error) {
      img.dataset.animation = "gif"; // the GIF itself stays, animating as before
      console.warn(`animation player: ${img.getAttribute("src")}: ${error.message}`);
    }
  }

  function enhanceAll() {
    for (const img of document.querySelectorAll(ANIMATIONS)) enhance(img);
  }

  if (typeof document$ !== "undefined") document$.subscribe(enhanceAll);
  else document.addEventListener("DOMContentLoaded", enhanceAll);
})();
