// The optimizer playground: every rule of the book on its test functions, live in the page.
//
// A page holds <div class="opg" data-preset="full"></div> (or a chapter's small preset:
// "sgd-lr", "momentum-beta", "adam-bias") and loads optim.js (the numbers, checked against the
// Python package) and this file (the drawing). Nothing is fetched: the numbers are computed
// here. The text follows the page's language (<html lang>), colours follow Material's palette
// (its CSS variables), nothing moves until the reader presses Play, and with
// prefers-reduced-motion Play shows the whole path at once.
(function () {
  "use strict";
  const core = window.OptCore;
  if (!core) return;

  const LANG = (document.documentElement.lang || "en").toLowerCase().startsWith("zh") ? "zh" : "en";

  // ------------------------------------------------------------------ strings

  const STRINGS = {
    en: {
      landscape: "Landscape",
      landscapes: {
        valley: "Valley x²/20 + y²",
        rotated: "Rotated valley (45°)",
        rosenbrock: "Rosenbrock",
        saddle: "Saddle x² − y²",
        local1d: "Local minimum x⁴/4 + x³/3 − x² (1-D)",
        noisy: "Noisy valley (gradient noise σ = 1)",
      },
      rules: "Update rules",
      settingsOf: "Settings of",
      hyper: {
        lr: "learning rate η (lr)",
        momentum: "β (momentum)",
        decay_rate: "β (decay_rate)",
        rho: "ρ (rho)",
        beta1: "β₁ (beta1)",
        beta2: "β₂ (beta2)",
        eps: "ε (eps)",
        weight_decay: "λ_wd (weight_decay)",
      },
      schedule: "Schedule of η",
      schedules: {
        none: "constant",
        step: "halve every steps/4",
        inverse_time: "inverse time, η/(1 + 0.05 t)",
        cosine: "cosine to 0 at the last step",
      },
      steps: "Steps",
      start: "Start",
      bookStart: "Book's start",
      play: "Play",
      pause: "Pause",
      back: "Step back",
      forward: "Step forward",
      scrubber: "Step shown",
      stepOf: (k, n) => `step ${k} of ${n}`,
      contourLabel: "Contour plot with the paths. Click, or focus and use the arrow keys, to move the start point.",
      curveLabel: "The function with the path. Click, or focus and use the arrow keys, to move the start point.",
      lossLabel: "Loss against step",
      lossAxisLog: "f − f* (log scale)",
      lossAxisLin: "f",
      readout: "Numbers at the step shown",
      col: { rule: "rule", f: "f", g: "gradient g", state: "state", step: "step taken Δw", lr: "η used" },
      atStart: "the start: no update yet",
      diverged: (rule, step) => `${rule} diverged: the point is not finite at step ${step}; the path stops there (as trajectory() and train() stop).`,
      error: "Not run",
      biasCorrection: "bias correction",
      noRule: "Tick at least one rule.",
      noise: "The noise comes from a seeded generator in the page (the same for every rule), not from NumPy.",
      startMoved: (p) => `start moved to (${p})`,
    },
    zh: {
      landscape: "函数",
      landscapes: {
        valley: "山谷 x²/20 + y²",
        rotated: "旋转的山谷（45°）",
        rosenbrock: "Rosenbrock 函数",
        saddle: "鞍面 x² − y²",
        local1d: "局部极小 x⁴/4 + x³/3 − x²（一维）",
        noisy: "带噪声的山谷（梯度噪声 σ = 1）",
      },
      rules: "更新规则",
      settingsOf: "设置对象",
      hyper: {
        lr: "学习率 η（lr）",
        momentum: "β（momentum）",
        decay_rate: "β（decay_rate）",
        rho: "ρ（rho）",
        beta1: "β₁（beta1）",
        beta2: "β₂（beta2）",
        eps: "ε（eps）",
        weight_decay: "λ_wd（weight_decay）",
      },
      schedule: "η 的衰减",
      schedules: {
        none: "不变",
        step: "每 steps/4 步减半",
        inverse_time: "反比衰减 η/(1 + 0.05 t)",
        cosine: "余弦，最后一步降到 0",
      },
      steps: "步数",
      start: "起点",
      bookStart: "书中的起点",
      play: "播放",
      pause: "暂停",
      back: "后退一步",
      forward: "前进一步",
      scrubber: "显示的步",
      stepOf: (k, n) => `第 ${k} 步，共 ${n} 步`,
      contourLabel: "等高线图和路径。点击图，或聚焦后用方向键，移动起点。",
      curveLabel: "函数曲线和路径。点击图，或聚焦后用方向键，移动起点。",
      lossLabel: "损失随步数的变化",
      lossAxisLog: "f − f*（对数坐标）",
      lossAxisLin: "f",
      readout: "所显示这一步的数值",
      col: { rule: "规则", f: "f", g: "梯度 g", state: "状态", step: "这一步 Δw", lr: "所用 η" },
      atStart: "起点：还没有更新",
      diverged: (rule, step) => `${rule} 发散了：第 ${step} 步的点不再是有限数，路径到此为止（与 trajectory() 和 train() 一样）。`,
      error: "未运行",
      biasCorrection: "偏差修正",
      noRule: "请至少勾选一个规则。",
      noise: "噪声来自页面里一个固定种子的随机数生成器（每个规则相同），不是 NumPy 的。",
      startMoved: (p) => `起点移到 (${p})`,
    },
  };
  const S = STRINGS[LANG];

  // The library's messages (HyperparameterError), in the page's language.
  function errorText(e) {
    if (e instanceof core.HyperparameterError && LANG === "zh") {
      const phrase = { "a positive finite number": "正的有限数", "a non-negative finite number": "非负的有限数", "in [0, 1)": "在 [0, 1) 内" }[e.phrase] || e.phrase;
      return `${e.rule}：${e.hyper} 必须是${phrase}，得到 ${e.value}`;
    }
    return e.message;
  }

  const COLORS = {
    SGD: "#e53935", Momentum: "#1e88e5", Nesterov: "#00acc1", AdaGrad: "#8e24aa",
    RMSProp: "#fb8c00", AdaDelta: "#a1887f", Adam: "#43a047", AdamW: "#c0ca33",
    Nadam: "#d81b60", AMSGrad: "#7e57c2", AdamNoBiasCorrection: "#fb8c00",
  };

  // Learning rates that make each rule move visibly on each landscape (the reader changes them).
  const GD = ["SGD", "Momentum", "Nesterov"];
  const DEFAULT_LR = {
    valley: { SGD: 0.95, Momentum: 0.1, Nesterov: 0.1, AdaGrad: 1.0, other: 0.1 },
    rotated: { SGD: 0.95, Momentum: 0.1, Nesterov: 0.1, AdaGrad: 1.0, other: 0.1 },
    noisy: { SGD: 0.3, Momentum: 0.03, Nesterov: 0.03, AdaGrad: 1.0, other: 0.1 },
    rosenbrock: { SGD: 0.002, Momentum: 0.002, Nesterov: 0.002, AdaGrad: 0.3, RMSProp: 0.01, Nadam: 0.03, other: 0.1 },
    saddle: { SGD: 0.01, Momentum: 0.01, Nesterov: 0.01, AdaGrad: 0.1, other: 0.01 },
    local1d: { SGD: 0.1, Momentum: 0.01, Nesterov: 0.01, AdaGrad: 0.3, other: 0.03 },
  };
  function defaultHyper(rule, landscape) {
    const h = { ...core.ruleSpec(rule).hyper };
    const table = DEFAULT_LR[landscape];
    h.lr = rule === "AdaDelta" ? 1.0 : (rule in table ? table[rule] : table.other);
    return h;
  }

  // Slider scales: [min, max, step, log?]. lr > 0 and eps > 0 by construction of a log slider;
  // the coefficients stop below 1 ([0, 1) in the library).
  const SCALES = {
    lr: [-4, 1, 0.01, true], eps: [-10, -1, 0.1, true],
    momentum: [0, 0.999, 0.001], decay_rate: [0, 0.999, 0.001], rho: [0, 0.999, 0.001],
    beta1: [0, 0.999, 0.001], beta2: [0, 0.9999, 0.0001], weight_decay: [0, 1, 0.01],
  };

  const PRESETS = {
    full: {
      landscape: "valley", rules: ["SGD", "Momentum", "Adam"], steps: 200, controls: "all",
      loss: true, readout: true,
    },
    "sgd-lr": {
      landscape: "valley", rules: ["SGD"], steps: 60, controls: ["lr"], loss: true, readout: false,
      hyper: { SGD: { lr: 0.95 } }, lrRange: [-1.3, 0.18],
    },
    "momentum-beta": {
      landscape: "valley", rules: ["Momentum"], steps: 200, controls: ["momentum"], loss: true,
      readout: false, hyper: { Momentum: { lr: 0.1, momentum: 0.9 } },
    },
    "adam-bias": {
      landscape: "valley", rules: ["Adam"], steps: 100, controls: ["bias"], loss: true,
      readout: true, hyper: { Adam: { lr: 0.1 }, AdamNoBiasCorrection: { lr: 0.1 } },
    },
  };

  // ------------------------------------------------------------------ small helpers

  let uid = 0;
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c) node.append(c);
    return node;
  }

  function fmt(x) {
    if (typeof x !== "number") return String(x);
    if (!Number.isFinite(x)) return String(x);
    if (x === 0) return "0";
    const a = Math.abs(x);
    return a >= 1e-3 && a < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(2);
  }
  const fmtVec = (v) => (v.length === 1 ? fmt(v[0]) : `(${v.map(fmt).join(", ")})`);

  function themeColors(node) {
    const style = getComputedStyle(node);
    const get = (name, fallback) => (style.getPropertyValue(name) || "").trim() || fallback;
    return {
      fg: get("--md-default-fg-color", "rgba(0,0,0,0.87)"),
      light: get("--md-default-fg-color--light", "rgba(0,0,0,0.54)"),
      lighter: get("--md-default-fg-color--lighter", "rgba(0,0,0,0.32)"),
      lightest: get("--md-default-fg-color--lightest", "rgba(0,0,0,0.07)"),
      bg: get("--md-default-bg-color", "#fff"),
      accent: get("--md-accent-fg-color", "#526cfe"),
    };
  }

  const reducedMotion = () => window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // Marching squares: line segments of the level set z = level on a grid (z[j][i]).
  function contourSegments(z, xs, ys, level) {
    const segs = [];
    for (let j = 0; j < ys.length - 1; j++) {
      for (let i = 0; i < xs.length - 1; i++) {
        const a = z[j][i], b = z[j][i + 1], c = z[j + 1][i + 1], d = z[j + 1][i];
        const pts = [];
        const edge = (v0, v1, x0, y0, x1, y1) => {
          if ((v0 < level) !== (v1 < level)) {
            const s = (level - v0) / (v1 - v0);
            pts.push([x0 + s * (x1 - x0), y0 + s * (y1 - y0)]);
          }
        };
        edge(a, b, xs[i], ys[j], xs[i + 1], ys[j]);
        edge(b, c, xs[i + 1], ys[j], xs[i + 1], ys[j + 1]);
        edge(c, d, xs[i + 1], ys[j + 1], xs[i], ys[j + 1]);
        edge(d, a, xs[i], ys[j + 1], xs[i], ys[j]);
        if (pts.length >= 2) segs.push([pts[0], pts[1]]);
        if (pts.length === 4) segs.push([pts[2], pts[3]]);
      }
    }
    return segs;
  }

  // ------------------------------------------------------------------ the playground

  const instances = [];

  class Playground {
    constructor(root) {
      this.root = root;
      this.presetName = root.dataset.preset || "full";
      const p = PRESETS[this.presetName] || PRESETS.full;
      this.preset = p;
      this.full = p.controls === "all";
      this.landscape = p.landscape;
      this.steps = p.steps;
      this.schedule = "none";
      this.ticked = new Set(p.rules);
      this.editing = p.rules[0];
      this.bias = true;
      this.hyper = {};
      for (const r of [...core.RULE_NAMES, "AdamNoBiasCorrection"]) {
        this.hyper[r] = { ...defaultHyper(r, this.landscape), ...((p.hyper || {})[r] || {}) };
      }
      this.start = null; // null: the landscape's (the book's) start
      this.k = p.steps;
      this.timer = null;
      this.results = {};
      this.build();
      this.compute();
      instances.push(this);
    }

    // -------------------------------------------------------------- building the controls

    build() {
      const root = this.root;
      root.textContent = "";
      root.classList.add("opg", this.full ? "opg--full" : "opg--small");
      const id = `opg${++uid}`;
      this.id = id;
      const controls = el("div", { class: "opg-controls" });

      if (this.full) {
        const sel = el("select", { id: `${id}-land`, onchange: (e) => this.setLandscape(e.target.value) });
        for (const name of core.LANDSCAPE_NAMES) sel.append(el("option", { value: name, text: S.landscapes[name] }));
        sel.value = this.landscape;
        this.landSelect = sel;
        controls.append(el("div", { class: "opg-field" }, el("label", { for: sel.id, text: S.landscape }), sel));

        const rules = el("fieldset", { class: "opg-rules" }, el("legend", { text: S.rules }));
        this.ruleBoxes = {};
        for (const r of core.RULE_NAMES) {
          const box = el("input", { type: "checkbox", id: `${id}-rule-${r}`, value: r, onchange: () => this.toggleRule(r, box.checked) });
          box.checked = this.ticked.has(r);
          this.ruleBoxes[r] = box;
          rules.append(el("label", { class: "opg-rule", for: box.id }, box,
            el("span", { class: "opg-swatch", style: `background:${COLORS[r]}`, "aria-hidden": "true" }), r));
        }
        controls.append(rules);

        const edit = el("select", { id: `${id}-edit`, onchange: (e) => { this.editing = e.target.value; this.buildSliders(); } });
        this.editSelect = edit;
        controls.append(el("div", { class: "opg-field" }, el("label", { for: edit.id, text: S.settingsOf }), edit));
      }
      this.sliderBox = el("div", { class: "opg-sliders" });
      controls.append(this.sliderBox);

      if (this.full) {
        const sched = el("select", { id: `${id}-sched`, onchange: (e) => { this.schedule = e.target.value; this.compute(); } });
        for (const name of Object.keys(core.SCHEDULES)) sched.append(el("option", { value: name, text: S.schedules[name] }));
        controls.append(el("div", { class: "opg-field" }, el("label", { for: sched.id, text: S.schedule }), sched));

        const steps = el("input", { type: "range", id: `${id}-steps`, min: 10, max: 500, step: 10, value: this.steps });
        const stepsOut = el("output", { for: steps.id, text: String(this.steps) });
        steps.addEventListener("input", () => { this.steps = Number(steps.value); stepsOut.textContent = steps.value; this.k = this.steps; this.compute(); });
        controls.append(el("div", { class: "opg-field" }, el("label", { for: steps.id, text: S.steps }), steps, stepsOut));

        const sx = el("input", { type: "number", id: `${id}-sx`, step: "any", "aria-label": `${S.start} x` });
        const sy = el("input", { type: "number", id: `${id}-sy`, step: "any", "aria-label": `${S.start} y` });
        const setStart = () => {
          const land = core.LANDSCAPES[this.landscape];
          const v = land.dim === 1 ? [Number(sx.value)] : [Number(sx.value), Number(sy.value)];
          if (sx.value === "" || (land.dim === 2 && sy.value === "") || !v.every(Number.isFinite)) return;
          this.start = v; this.k = this.steps; this.compute();
        };
        sx.addEventListener("change", setStart);
        sy.addEventListener("change", setStart);
        this.startInputs = [sx, sy];
        const reset = el("button", { type: "button", class: "md-button opg-button", text: S.bookStart, onclick: () => { this.start = null; this.k = this.steps; this.compute(); } });
        controls.append(el("div", { class: "opg-field opg-start" }, el("span", { class: "opg-label", text: S.start }), sx, sy, reset));
      }

      // The figure: plot, loss, playback.
      const plot = el("canvas", { class: "opg-plot", tabindex: "0", role: "img" });
      plot.addEventListener("click", (e) => this.clickPlot(e));
      plot.addEventListener("keydown", (e) => this.keyPlot(e));
      this.plot = plot;
      const loss = this.preset.loss ? el("canvas", { class: "opg-loss", role: "img", "aria-label": S.lossLabel }) : null;
      this.loss = loss;

      const play = el("button", { type: "button", class: "md-button opg-button", onclick: () => this.togglePlay() });
      const back = el("button", { type: "button", class: "md-button opg-button", "aria-label": S.back, title: S.back, text: "◀", onclick: () => this.show(this.k - 1) });
      const fwd = el("button", { type: "button", class: "md-button opg-button", "aria-label": S.forward, title: S.forward, text: "▶", onclick: () => this.show(this.k + 1) });
      const scrub = el("input", { type: "range", class: "opg-scrub", min: 0, max: this.steps, step: 1, value: this.k, "aria-label": S.scrubber });
      scrub.addEventListener("input", () => { this.stop(); this.show(Number(scrub.value)); });
      const stepOut = el("output", { class: "opg-stepout", "aria-live": "polite" });
      this.playButton = play; this.scrub = scrub; this.stepOut = stepOut;
      const playback = el("div", { class: "opg-playback" }, play, back, fwd, scrub, stepOut);

      this.message = el("div", { class: "opg-message", role: "status", "aria-live": "polite" });
      this.readout = this.preset.readout ? el("div", { class: "opg-readout", "aria-label": S.readout }) : null;

      const figure = el("div", { class: "opg-figure" }, plot, loss, playback, this.message, this.readout);
      this.figure = figure;
      root.append(controls, figure);
      this.updatePlayLabel();
      this.refreshEditable();
      this.buildSliders();

      // Redraw when the width changes (window, sidebar) or the palette switches light/dark.
      this.width = 0;
      this.resize = new ResizeObserver(() => {
        if (figure.clientWidth === this.width) return;
        this.width = figure.clientWidth;
        requestAnimationFrame(() => this.draw());
      });
      this.resize.observe(figure);
      new MutationObserver(() => this.draw()).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
    }

    refreshEditable() {
      if (!this.editSelect) return;
      const ticked = core.RULE_NAMES.filter((r) => this.ticked.has(r));
      if (!this.ticked.has(this.editing)) this.editing = ticked[0] || null;
      this.editSelect.textContent = "";
      for (const r of ticked) this.editSelect.append(el("option", { value: r, text: r }));
      this.editSelect.disabled = ticked.length === 0;
      if (this.editing) this.editSelect.value = this.editing;
    }

    buildSliders() {
      const box = this.sliderBox;
      box.textContent = "";
      const rule = this.editing;
      if (!rule) return;
      const controls = this.full ? Object.keys(core.ruleSpec(rule).hyper) : this.preset.controls;
      for (const name of controls) {
        if (name === "bias") {
          const cb = el("input", { type: "checkbox", id: `${this.id}-bias` });
          cb.checked = this.bias;
          cb.addEventListener("change", () => { this.bias = cb.checked; this.k = this.steps; this.compute(); });
          box.append(el("div", { class: "opg-field" }, el("label", { for: cb.id }, cb, ` Adam: ${S.biasCorrection}`)));
          continue;
        }
        box.append(this.slider(rule, name));
      }
    }

    slider(rule, name) {
      let [min, max, step, log] = SCALES[name];
      if (name === "lr" && this.preset.lrRange) [min, max] = this.preset.lrRange;
      const value = this.hyper[rule][name];
      const input = el("input", { type: "range", id: `${this.id}-${name}`, min, max, step, "data-hyper": name });
      input.value = log ? Math.log10(value) : value;
      const out = el("output", { for: input.id, text: fmt(value) });
      const read = () => {
        let v = Number(input.value);
        if (log) v = Number(Math.pow(10, v).toPrecision(3));
        return v;
      };
      input.setAttribute("aria-valuetext", fmt(value));
      input.addEventListener("input", () => {
        const v = read();
        this.hyper[rule][name] = v;
        if (rule === "Adam" && !this.full) this.hyper.AdamNoBiasCorrection[name] = v;
        out.textContent = fmt(v);
        input.setAttribute("aria-valuetext", fmt(v));
        this.k = this.steps;
        this.compute();
      });
      const label = S.hyper[name] + (this.full ? ` — ${rule}` : "");
      return el("div", { class: "opg-field" }, el("label", { for: input.id, text: label }), input, out);
    }

    // -------------------------------------------------------------- reacting to the reader

    setLandscape(name) {
      this.stop();
      this.landscape = name;
      this.start = null;
      // every rule back to its defaults on this landscape (the guided experiments start there)
      for (const r of Object.keys(this.hyper)) this.hyper[r] = defaultHyper(r, name);
      this.contours = null;
      this.k = this.steps;
      this.buildSliders();
      this.compute();
    }

    toggleRule(rule, on) {
      if (on) this.ticked.add(rule); else this.ticked.delete(rule);
      if (on) this.editing = rule;
      this.refreshEditable();
      this.buildSliders();
      this.compute();
    }

    activeRules() {
      if (this.presetName === "adam-bias") return [this.bias ? "Adam" : "AdamNoBiasCorrection"];
      return core.RULE_NAMES.filter((r) => this.ticked.has(r));
    }

    compute() {
      this.stop();
      this.results = {};
      const messages = [];
      const land = core.LANDSCAPES[this.landscape];
      for (const rule of this.activeRules()) {
        try {
          const res = core.run(rule, this.hyper[rule], this.landscape, this.start, this.steps, { schedule: this.schedule, seed: 1 });
          this.results[rule] = res;
          if (res.diverged) messages.push(S.diverged(rule === "AdamNoBiasCorrection" ? "Adam" : rule, res.divergedAt));
        } catch (e) {
          messages.push(`${S.error}: ${errorText(e)}`);
        }
      }
      if (this.activeRules().length === 0) messages.push(S.noRule);
      if (land.noisy && this.full) messages.push(S.noise);
      this.message.textContent = messages.join(" ");
      this.message.classList.toggle("opg-message--alert", messages.some((m) => m !== S.noise));
      this.scrub.max = this.steps;
      if (this.startInputs) {
        const s = this.start || land.start;
        this.startInputs[0].value = Number(s[0].toPrecision(6));
        this.startInputs[1].hidden = land.dim === 1;
        if (land.dim === 2) this.startInputs[1].value = Number(s[1].toPrecision(6));
      }
      this.plot.setAttribute("aria-label", land.dim === 1 ? S.curveLabel : S.contourLabel);
      this.show(Math.min(this.k, this.steps));
    }

    show(k) {
      this.k = Math.max(0, Math.min(this.steps, k));
      this.scrub.value = this.k;
      const text = S.stepOf(this.k, this.steps);
      this.scrub.setAttribute("aria-valuetext", text);
      this.stepOut.textContent = text;
      this.draw();
      this.writeReadout();
    }

    togglePlay() {
      if (this.timer) { this.stop(); return; }
      if (reducedMotion()) { this.show(this.steps); return; } // no motion: the whole path at once
      if (this.k >= this.steps) this.k = 0;
      const perFrame = Math.max(1, Math.round(this.steps / 150));
      this.timer = setInterval(() => {
        if (this.k >= this.steps) { this.stop(); return; }
        this.show(this.k + perFrame);
      }, 30);
      this.updatePlayLabel();
    }

    stop() {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      this.updatePlayLabel();
    }

    updatePlayLabel() {
      if (!this.playButton) return;
      this.playButton.textContent = this.timer ? S.pause : S.play;
      this.playButton.setAttribute("aria-pressed", this.timer ? "true" : "false");
    }

    toData(px, py) {
      const m = this.map;
      return [m.x0 + (px - m.left) / m.sx, m.y0 - (py - m.top) / m.sy];
    }

    clickPlot(e) {
      if (!this.map) return;
      const rect = this.plot.getBoundingClientRect();
      const scale = this.plotWidth / rect.width; // CSS may have scaled the canvas down
      const [x, y] = this.toData((e.clientX - rect.left) * scale, (e.clientY - rect.top) * scale);
      const land = core.LANDSCAPES[this.landscape];
      this.moveStart(land.dim === 1 ? [x] : [x, y]);
    }

    keyPlot(e) {
      const keys = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
      if (!(e.key in keys)) return;
      e.preventDefault();
      const land = core.LANDSCAPES[this.landscape];
      const s = (this.start || land.start).slice();
      const [dx, dy] = keys[e.key];
      s[0] += dx * (land.xlim[1] - land.xlim[0]) / 40;
      if (land.dim === 2) s[1] += dy * (land.ylim[1] - land.ylim[0]) / 40;
      this.moveStart(s);
    }

    moveStart(p) {
      const land = core.LANDSCAPES[this.landscape];
      const clamp = (v, lim) => Math.min(lim[1], Math.max(lim[0], v));
      const q = [Number(clamp(p[0], land.xlim).toPrecision(4))];
      if (land.dim === 2) q.push(Number(clamp(p[1], land.ylim).toPrecision(4)));
      this.start = q;
      this.k = this.steps;
      this.compute();
      this.stepOut.textContent = `${S.stepOf(this.k, this.steps)}; ${S.startMoved(q.map(fmt).join(", "))}`;
    }

    // -------------------------------------------------------------- drawing

    setupCanvas(canvas, width, height) {
      const ratio = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
        canvas.width = Math.round(width * ratio);
        canvas.height = Math.round(height * ratio);
      }
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
      const ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, width, height);
      return ctx;
    }

    draw() {
      const width = Math.max(200, Math.min(this.figure.clientWidth || 600, this.full ? 720 : 560));
      const colors = themeColors(this.root);
      this.drawPlot(width, colors);
      if (this.loss) this.drawLoss(width, colors);
    }

    drawPlot(width, colors) {
      const land = core.LANDSCAPES[this.landscape];
      const [x0, x1] = land.xlim, [y0, y1] = land.ylim;
      const left = 34, right = 14, top = 8, bottom = 24;
      const plotW = width - left - right;
      let plotH = land.dim === 1 ? plotW * 0.55 : plotW * (y1 - y0) / (x1 - x0);
      plotH = Math.min(plotH, 420);
      const height = plotH + top + bottom;
      const ctx = this.setupCanvas(this.plot, width, height);
      this.plotWidth = width;
      const sx = plotW / (x1 - x0), sy = plotH / (y1 - y0);
      this.map = { left, top, sx, sy, x0, y0: y1 };
      const X = (x) => left + (x - x0) * sx, Y = (y) => top + (y1 - y) * sy;

      ctx.save();
      ctx.beginPath(); ctx.rect(left, top, plotW, plotH); ctx.clip();
      ctx.lineWidth = 1;
      if (land.dim === 2) {
        ctx.strokeStyle = colors.lighter;
        for (const segs of this.contourLines(land)) {
          ctx.beginPath();
          for (const [[ax, ay], [bx, by]] of segs) { ctx.moveTo(X(ax), Y(ay)); ctx.lineTo(X(bx), Y(by)); }
          ctx.stroke();
        }
        if (land.minimum) {
          ctx.fillStyle = colors.fg;
          ctx.beginPath(); ctx.arc(X(land.minimum[0]), Y(land.minimum[1]), 3, 0, 2 * Math.PI); ctx.fill();
        }
      } else {
        ctx.strokeStyle = colors.light;
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        for (let i = 0; i <= 300; i++) {
          const x = x0 + (x1 - x0) * i / 300;
          const f = land.value([x]);
          if (i === 0) ctx.moveTo(X(x), Y(f)); else ctx.lineTo(X(x), Y(f));
        }
        ctx.stroke();
      }
      // the paths up to step k
      for (const [rule, res] of Object.entries(this.results)) {
        const n = Math.min(this.k, res.path.length - 1);
        const pt = (p) => (land.dim === 1 ? [X(p[0]), Y(land.value(p))] : [X(p[0]), Y(p[1])]);
        ctx.strokeStyle = COLORS[rule];
        ctx.fillStyle = COLORS[rule];
        ctx.lineWidth = 1.6;
        ctx.beginPath();
        for (let i = 0; i <= n; i++) {
          const [px, py] = pt(res.path[i]);
          if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
        }
        ctx.stroke();
        if (n <= 80) for (let i = 1; i <= n; i++) { const [px, py] = pt(res.path[i]); ctx.fillRect(px - 1.5, py - 1.5, 3, 3); }
        const [cx, cy] = pt(res.path[n]);
        ctx.beginPath(); ctx.arc(cx, cy, 4.5, 0, 2 * Math.PI); ctx.fill();
        ctx.strokeStyle = colors.bg; ctx.lineWidth = 1.5; ctx.stroke();
      }
      // the start
      const s = this.start || land.start;
      const [sxp, syp] = land.dim === 1 ? [X(s[0]), Y(land.value(s))] : [X(s[0]), Y(s[1])];
      ctx.strokeStyle = colors.fg; ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(sxp - 5, syp - 5); ctx.lineTo(sxp + 5, syp + 5); ctx.moveTo(sxp - 5, syp + 5); ctx.lineTo(sxp + 5, syp - 5); ctx.stroke();
      ctx.restore();
      this.axes(ctx, colors, left, top, plotW, plotH, [x0, x1], [y0, y1], false, land.dim === 1 ? "x" : "x", land.dim === 1 ? "f" : "y");
    }

    contourLines(land) {
      const key = `${this.landscape}`;
      if (this.contours && this.contours.key === key) return this.contours.lines;
      const N = 120;
      const xs = [], ys = [];
      for (let i = 0; i <= N; i++) xs.push(land.xlim[0] + (land.xlim[1] - land.xlim[0]) * i / N);
      for (let j = 0; j <= N; j++) ys.push(land.ylim[0] + (land.ylim[1] - land.ylim[0]) * j / N);
      const z = ys.map((y) => xs.map((x) => land.value([x, y])));
      let levels;
      if (land.fmin === null) {
        levels = [];
        for (let v = -3.5; v <= 3.5; v += 0.5) levels.push(v);
      } else {
        const flat = z.flat().map((v) => v - land.fmin);
        const hi = Math.max(...flat);
        const lo = Math.max(hi * 1e-4, 1e-3);
        levels = [];
        for (let i = 0; i < 14; i++) levels.push(land.fmin + lo * Math.pow(hi / lo, i / 13));
      }
      const lines = levels.map((level) => contourSegments(z, xs, ys, level));
      this.contours = { key, lines };
      return lines;
    }

    drawLoss(width, colors) {
      const land = core.LANDSCAPES[this.landscape];
      const left = 44, right = 14, top = 8, bottom = 24;
      const height = this.full ? 200 : 150;
      const plotW = width - left - right, plotH = height - top - bottom;
      const ctx = this.setupCanvas(this.loss, width, height);
      const logScale = land.fmin !== null;
      const tr = (v) => (logScale ? Math.log10(Math.max(v - land.fmin, 1e-300)) : v);
      let lo = Infinity, hi = -Infinity;
      for (const res of Object.values(this.results)) {
        for (const v of res.values) {
          const y = tr(v);
          if (Number.isFinite(y)) { lo = Math.min(lo, y); hi = Math.max(hi, y); }
        }
      }
      if (!Number.isFinite(lo)) { lo = 0; hi = 1; }
      if (logScale) { lo = Math.max(Math.floor(lo), hi - 24); hi = Math.ceil(hi); }
      if (hi - lo < 1e-9) { hi += 1; lo -= 1; }
      const X = (k) => left + k * plotW / Math.max(1, this.steps);
      const Y = (y) => top + (hi - Math.min(hi, Math.max(lo, y))) * plotH / (hi - lo);
      ctx.save();
      ctx.beginPath(); ctx.rect(left, top, plotW, plotH); ctx.clip();
      for (const [rule, res] of Object.entries(this.results)) {
        ctx.strokeStyle = COLORS[rule]; ctx.lineWidth = 1.5;
        ctx.beginPath();
        let pen = false;
        res.values.forEach((v, k) => {
          const y = tr(v);
          if (!Number.isFinite(y)) { pen = false; return; }
          if (pen) ctx.lineTo(X(k), Y(y)); else ctx.moveTo(X(k), Y(y));
          pen = true;
        });
        ctx.stroke();
      }
      ctx.strokeStyle = colors.light; ctx.setLineDash([3, 3]);
      ctx.beginPath(); ctx.moveTo(X(this.k), top); ctx.lineTo(X(this.k), top + plotH); ctx.stroke();
      ctx.setLineDash([]);
      ctx.restore();
      this.axes(ctx, colors, left, top, plotW, plotH, [0, this.steps], [lo, hi], logScale, LANG === "zh" ? "步" : "step", logScale ? S.lossAxisLog : S.lossAxisLin);
    }

    axes(ctx, colors, left, top, w, h, xr, yr, logY, xName, yName) {
      ctx.strokeStyle = colors.lighter; ctx.lineWidth = 1;
      ctx.strokeRect(left + 0.5, top + 0.5, w - 1, h - 1);
      ctx.fillStyle = colors.light;
      ctx.font = "11px sans-serif";
      ctx.textAlign = "center"; ctx.textBaseline = "top";
      for (const x of xr) ctx.fillText(fmt(x), left + (x - xr[0]) * w / (xr[1] - xr[0]), top + h + 3);
      ctx.fillText(xName, left + w / 2, top + h + 3);
      ctx.textAlign = "right"; ctx.textBaseline = "middle";
      for (const y of yr) ctx.fillText(logY ? `1e${Math.round(y)}` : fmt(y), left - 3, top + (yr[1] - y) * h / (yr[1] - yr[0]));
      ctx.save();
      ctx.translate(10, top + h / 2); ctx.rotate(-Math.PI / 2); ctx.textAlign = "center";
      ctx.fillText(yName, 0, 0);
      ctx.restore();
    }

    writeReadout() {
      if (!this.readout) return;
      const table = el("table", { class: "opg-table" });
      const head = el("tr");
      for (const c of ["rule", "f", "lr", "g", "state", "step"]) head.append(el("th", { scope: "col", text: S.col[c] }));
      table.append(el("thead", {}, head));
      const body = el("tbody");
      for (const [rule, res] of Object.entries(this.results)) {
        const n = Math.min(this.k, res.path.length - 1);
        const tr = el("tr");
        const name = rule === "AdamNoBiasCorrection" ? `Adam (${LANG === "zh" ? "无偏差修正" : "no bias correction"})` : rule;
        tr.append(el("th", { scope: "row" }, el("span", { class: "opg-swatch", style: `background:${COLORS[rule]}`, "aria-hidden": "true" }), name));
        tr.append(el("td", { text: fmt(res.values[n]) }));
        const rec = n >= 1 ? res.records[n - 1] : null;
        if (!rec) {
          tr.append(el("td", { colspan: 4, text: S.atStart }));
        } else {
          tr.append(el("td", { text: fmt(rec.lr) }));
          tr.append(el("td", { text: fmtVec(rec.g) }));
          const parts = Object.entries(rec.state).map(([k, v]) => `${k} = ${fmtVec(v)}`);
          const h = res.hyper;
          if ("beta2" in h && rec.state.m) {
            parts.push(`m̂ = ${fmtVec(rec.state.m.map((m) => m / (1 - core.powInt(h.beta1, rec.t))))}`);
            parts.push(`v̂ = ${fmtVec(rec.state.v.map((v) => v / (1 - core.powInt(h.beta2, rec.t))))}`);
          }
          tr.append(el("td", { text: parts.join("; ") || "–" }));
          tr.append(el("td", { text: fmtVec(rec.step), "data-step": JSON.stringify(rec.step) }));
        }
        body.append(tr);
      }
      table.append(body);
      this.readout.textContent = "";
      this.readout.append(el("div", { class: "opg-table-wrap" }, table));
    }

    /** What the tests read: the settings and the computed paths. */
    snapshot() {
      const paths = {}, divergedAt = {};
      for (const [r, res] of Object.entries(this.results)) { paths[r] = res.path; divergedAt[r] = res.divergedAt; }
      return {
        preset: this.presetName, landscape: this.landscape, rules: this.activeRules(), steps: this.steps,
        k: this.k, start: this.start || core.LANDSCAPES[this.landscape].start, schedule: this.schedule,
        hyper: Object.fromEntries(this.activeRules().map((r) => [r, { ...this.hyper[r] }])),
        paths, divergedAt, message: this.message.textContent,
      };
    }
  }

  function init() {
    for (const node of document.querySelectorAll("div.opg[data-preset]")) {
      if (!node.__opg) node.__opg = new Playground(node);
    }
  }

  window.OptPlayground = { core, instances, init, STRINGS };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
