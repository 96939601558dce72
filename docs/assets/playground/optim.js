// The optimizer playground's numbers: the book's update rules, test functions and schedules,
// written to give the same doubles as the Python package `optimizers` (rules.py, landscapes.py,
// schedules.py). JavaScript numbers are IEEE doubles like Python floats, so each formula below
// performs the same operations in the same order as its Python line (quoted in the comments);
// tests/site/test_playground.py runs this file in Chromium on vectors written by
// scripts/playground_vectors.py and compares every point.
//
// Two operations are not left to the browser: Math.pow (V8's pow is not correctly rounded and
// differs from Python's `b ** t` in the last bit about one time in twelve) and Math.cos. Both
// are computed here in double-double arithmetic and rounded once, which gives the correctly
// rounded result that Python's C library returns.
//
// No DOM here: playground.js draws; this file also loads in Node (module.exports).
(function (root) {
  "use strict";

  // ------------------------------------------------------------------ double-double helpers

  const SPLITTER = 134217729; // 2**27 + 1 (Dekker's split)

  function twoProd(a, b) {
    const p = a * b;
    let t = SPLITTER * a;
    const ah = t - (t - a), al = a - ah;
    t = SPLITTER * b;
    const bh = t - (t - b), bl = b - bh;
    const e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    return [p, e];
  }

  function ddMul(x, y) {
    const [p, e0] = twoProd(x[0], y[0]);
    const e = e0 + (x[0] * y[1] + x[1] * y[0]);
    const s = p + e;
    return [s, e - (s - p)];
  }

  function ddAdd(x, y) {
    const s = x[0] + y[0];
    const bb = s - x[0];
    let e = (x[0] - (s - bb)) + (y[0] - bb);
    e += x[1] + y[1];
    const r = s + e;
    return [r, e - (r - s)];
  }

  /** `b ** n` for an integer n >= 0, correctly rounded (as Python's `b ** n` with glibc). */
  function powInt(b, n) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError("powInt: n must be an integer >= 0");
    if (n === 0) return 1;
    if (!Number.isFinite(b) || b === 0 || Math.abs(b) >= 1e150 || Math.abs(b) < 1e-150) {
      return Math.pow(b, n); // no such bases in the playground; exact cases (0, inf) agree
    }
    let result = [1, 0];
    let base = [b, 0];
    let k = n;
    for (;;) {
      if (k & 1) result = ddMul(result, base);
      k = Math.floor(k / 2);
      if (k === 0) break;
      base = ddMul(base, base);
      if (base[0] < 1e-290 && base[0] > -1e-290) return Math.pow(b, n); // underflow: ~0
    }
    return result[0] + result[1];
  }

  // pi/2 as three doubles (hi + mid + lo), enough for cos of any double in [0, pi].
  const PIO2 = [1.5707963267948966, 6.123233995736766e-17, -1.4973849048591698e-33];

  /** cos(a) for a double a in [0, pi], correctly rounded (as Python's math.cos). */
  function cosCR(a) {
    if (!(a >= 0 && a <= 4)) return Math.cos(a);
    // r = a - pi/2 in double-double; cos(a) = -sin(r), |r| <= pi/2.
    let r = ddAdd([a, 0], [-PIO2[0], 0]);
    r = ddAdd(r, [-PIO2[1], -PIO2[2]]);
    const r2 = ddMul(r, r);
    let term = r;
    let sum = r;
    for (let k = 1; k < 40; k++) {
      // term *= -r^2 / ((2k)(2k+1))
      term = ddMul(term, r2);
      const d = 2 * k * (2 * k + 1);
      const q = term[0] / d;
      const [p, e] = twoProd(q, d);
      const rem = ((term[0] - p) - e + term[1]) / d;
      term = [-q, -rem];
      sum = ddAdd(sum, term);
      if (Math.abs(term[0]) < 1e-40 * Math.abs(sum[0]) + 1e-320) break;
    }
    return -(sum[0] + sum[1]);
  }

  // ------------------------------------------------------------------ hyperparameter limits

  // optimizers/base.py LIMITS, optimizers/_checks.py phrases.
  const POSITIVE = { test: (x) => 0 < x && x < Infinity, phrase: "a positive finite number" };
  const NON_NEGATIVE = { test: (x) => 0 <= x && x < Infinity, phrase: "a non-negative finite number" };
  const UNIT = { test: (x) => 0 <= x && x < 1, phrase: "in [0, 1)" };
  const LIMITS = {
    lr: POSITIVE, eps: POSITIVE, momentum: UNIT, beta1: UNIT, beta2: UNIT,
    decay_rate: UNIT, rho: UNIT, weight_decay: NON_NEGATIVE,
  };

  class HyperparameterError extends Error {
    constructor(rule, name, value, phrase) {
      super(`${rule}: ${name} must be ${phrase}, got ${value}`);
      this.rule = rule; this.hyper = name; this.value = value; this.phrase = phrase;
    }
  }

  function checked(rule, name, value, constructed) {
    const within = constructed && name === "lr" ? NON_NEGATIVE : LIMITS[name];
    if (typeof value !== "number" || !within.test(value)) {
      throw new HyperparameterError(rule, name, value, within.phrase);
    }
    return value;
  }

  // ------------------------------------------------------------------ the update rules

  // Each rule: its hyperparameters with the library's defaults (in the library's order), the
  // names of its state, and step(o, w, g, s): one update of the coordinates w (changed in
  // place) with gradient g, state arrays s (by name) and o = {hyperparameters..., t}.

  function lrT(o) { // Adam.lr_t: lr * sqrt(1 - beta2**t) / (1 - beta1**t)
    return o.lr * Math.sqrt(1 - powInt(o.beta2, o.t)) / (1 - powInt(o.beta1, o.t));
  }

  function moments(o, g, m, v, i) { // Adam.moments
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * g[i]; // m <- beta1 m + (1 - beta1) g
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * g[i] * g[i]; // v <- beta2 v + (1 - beta2) g^2
  }

  function adamStep(o, w, g, s, lr_t) {
    for (let i = 0; i < w.length; i++) {
      moments(o, g, s.m, s.v, i);
      w[i] = w[i] - lr_t * s.m[i] / (Math.sqrt(s.v[i]) + o.eps);
    }
  }

  const ADAM = { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-7 };

  const RULES = {
    SGD: {
      hyper: { lr: 0.01 }, state: [],
      step(o, w, g) {
        for (let i = 0; i < w.length; i++) w[i] = w[i] - o.lr * g[i]; // w -= lr * g
      },
    },
    Momentum: {
      hyper: { lr: 0.01, momentum: 0.9 }, state: ["v"],
      step(o, w, g, s) {
        for (let i = 0; i < w.length; i++) {
          s.v[i] = o.momentum * s.v[i] - o.lr * g[i]; // v[:] = momentum * v - lr * g
          w[i] = w[i] + s.v[i]; // w += v
        }
      },
    },
    Nesterov: {
      hyper: { lr: 0.01, momentum: 0.9 }, state: ["v"],
      step(o, w, g, s) {
        for (let i = 0; i < w.length; i++) {
          s.v[i] = o.momentum * s.v[i] - o.lr * g[i]; // v[:] = momentum * v - lr * g
          w[i] = w[i] + (o.momentum * s.v[i] - o.lr * g[i]); // w += momentum * v - lr * g
        }
      },
    },
    AdaGrad: {
      hyper: { lr: 0.01, eps: 1e-7 }, state: ["h"],
      step(o, w, g, s) {
        for (let i = 0; i < w.length; i++) {
          s.h[i] = s.h[i] + g[i] * g[i]; // h += g * g
          w[i] = w[i] - o.lr * g[i] / (Math.sqrt(s.h[i]) + o.eps); // w -= lr * g / (sqrt(h) + eps)
        }
      },
    },
    RMSProp: {
      hyper: { lr: 0.01, decay_rate: 0.99, eps: 1e-7 }, state: ["h"],
      step(o, w, g, s) {
        for (let i = 0; i < w.length; i++) {
          // h[:] = decay_rate * h + (1 - decay_rate) * g * g
          s.h[i] = o.decay_rate * s.h[i] + (1 - o.decay_rate) * g[i] * g[i];
          w[i] = w[i] - o.lr * g[i] / (Math.sqrt(s.h[i]) + o.eps);
        }
      },
    },
    AdaDelta: {
      hyper: { rho: 0.95, eps: 1e-6, lr: 1.0 }, state: ["Eg2", "Edx2"],
      step(o, w, g, s) {
        const rho = o.rho, eps = o.eps;
        for (let i = 0; i < w.length; i++) {
          s.Eg2[i] = rho * s.Eg2[i] + (1 - rho) * g[i] * g[i];
          // delta = sqrt(Edx2 + eps) / sqrt(Eg2 + eps) * g
          const delta = Math.sqrt(s.Edx2[i] + eps) / Math.sqrt(s.Eg2[i] + eps) * g[i];
          s.Edx2[i] = rho * s.Edx2[i] + (1 - rho) * delta * delta;
          w[i] = w[i] - o.lr * delta;
        }
      },
    },
    Adam: {
      hyper: { ...ADAM }, state: ["m", "v"],
      step(o, w, g, s) { adamStep(o, w, g, s, lrT(o)); },
    },
    AdamW: {
      hyper: { ...ADAM, weight_decay: 0.01 }, state: ["m", "v"],
      step(o, w, g, s) {
        for (let i = 0; i < w.length; i++) w[i] = w[i] - o.lr * o.weight_decay * w[i];
        adamStep(o, w, g, s, lrT(o)); // then Adam's step
      },
    },
    Nadam: {
      hyper: { ...ADAM, lr: 0.002 }, state: ["m", "v"],
      step(o, w, g, s) {
        const b1 = o.beta1, b2 = o.beta2, t = o.t;
        for (let i = 0; i < w.length; i++) {
          moments(o, g, s.m, s.v, i);
          // m_bar = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1**t)
          const mBar = b1 * s.m[i] / (1 - powInt(b1, t + 1)) + (1 - b1) * g[i] / (1 - powInt(b1, t));
          // w -= lr * m_bar / (sqrt(v / (1 - b2**t)) + eps)
          w[i] = w[i] - o.lr * mBar / (Math.sqrt(s.v[i] / (1 - powInt(b2, t))) + o.eps);
        }
      },
    },
    AMSGrad: {
      hyper: { ...ADAM }, state: ["m", "v", "v_max"],
      step(o, w, g, s) {
        const lr_t = lrT(o);
        for (let i = 0; i < w.length; i++) {
          moments(o, g, s.m, s.v, i);
          s.v_max[i] = Math.max(s.v_max[i], s.v[i]); // v_max[:] = maximum(v_max, v)
          w[i] = w[i] - lr_t * s.m[i] / (Math.sqrt(s.v_max[i]) + o.eps);
        }
      },
    },
  };
  // Adam without bias correction (the switch of chapter 6's figure): lr_t = lr.
  const EXTRA_RULES = {
    AdamNoBiasCorrection: {
      hyper: { ...ADAM }, state: ["m", "v"], label: "Adam (no bias correction)",
      step(o, w, g, s) { adamStep(o, w, g, s, o.lr); },
    },
  };
  const RULE_NAMES = Object.keys(RULES);

  function ruleSpec(name) {
    const spec = RULES[name] || EXTRA_RULES[name];
    if (!spec) throw new Error(`unknown rule ${name}`);
    return spec;
  }

  /** A fresh optimizer: hyperparameters checked (library defaults for those not given). */
  function makeOptimizer(name, hyper) {
    const spec = ruleSpec(name);
    const label = spec.label ? "Adam" : name;
    const o = { t: 0 };
    for (const key of Object.keys(hyper || {})) {
      if (!(key in spec.hyper)) {
        throw new Error(`${label} has no hyperparameter '${key}' (its hyperparameters are ` +
          `${Object.keys(spec.hyper).join(", ")}): setting it would change nothing`);
      }
    }
    for (const key of Object.keys(spec.hyper)) {
      const value = hyper && key in hyper ? hyper[key] : spec.hyper[key];
      o[key] = checked(label, key, value, false);
    }
    return { name, label, spec, o, state: null };
  }

  // ------------------------------------------------------------------ the test functions

  // Quadratic f(p) = 1/2 p^T A p - b^T p (landscapes.Quadratic), for dim 2.
  function quadratic(A, b) {
    const product = (x) => [ // sum(_column(A[:, j], x) * x[j] for j in range(dim))
      0 + A[0][0] * x[0] + A[0][1] * x[1],
      0 + A[1][0] * x[0] + A[1][1] * x[1],
    ];
    return {
      value(x) {
        const Ax = product(x);
        const quad = 0 + x[0] * Ax[0] + x[1] * Ax[1];
        const linear = 0 + b[0] * x[0] + b[1] * x[1];
        return 0.5 * quad - linear;
      },
      gradient(x) {
        const Ax = product(x);
        return [Ax[0] - b[0], Ax[1] - b[1]];
      },
    };
  }

  function rosenbrock2(a, b) { // landscapes.Rosenbrock, dim 2
    return {
      value(x) {
        const d = x[1] - x[0] * x[0], e = a - x[0];
        return 0 + (b * (d * d) + e * e);
      },
      gradient(x) {
        const x0 = x[0], x1 = x[1];
        // g[:-1] = -4.0 * b * x0 * (x1 - x0 * x0) - 2.0 * (a - x0)
        const g0 = -4.0 * b * x0 * (x1 - x0 * x0) - 2.0 * (a - x0);
        // g[1:] += 2.0 * b * (x1 - x0 * x0)   (on zeros)
        const g1 = 0 + 2.0 * b * (x1 - x0 * x0);
        return [g0, g1];
      },
    };
  }

  function horner(c, x) { // Polynomial1D._horner
    let result = c[c.length - 1];
    for (let k = c.length - 2; k >= 0; k--) result = result * x + c[k];
    return result;
  }

  function polynomial1d(c) {
    const slope = c.slice(1).map((ck, k) => ck * (k + 1)); // c[1:] * arange(1, c.size)
    return {
      value: (x) => horner(c, x[0]),
      gradient: (x) => [horner(slope, x[0])],
    };
  }

  /** A seeded generator of standard normal numbers (mulberry32 + Box-Muller), for the noise. */
  function normalGenerator(seed) {
    let a = seed >>> 0;
    let spare = null;
    const uniform = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return () => {
      if (spare !== null) { const s = spare; spare = null; return s; }
      let u = 0;
      while (u === 0) u = uniform();
      const r = Math.sqrt(-2 * Math.log(u)), theta = 2 * Math.PI * uniform();
      spare = r * Math.sin(theta);
      return r * Math.cos(theta);
    };
  }

  const VALLEY_A = [[0.1, 0.0], [0.0, 2.0]];
  // landscapes.rotated(): A = R diag(1/10, 2) R^T and start = R (-7, 2), R the rotation by 45
  // degrees, as the library computes them (numpy's matrix product; tested bit for bit).
  const ROTATED_A = [[1.0499999999999998, -0.95], [-0.95, 1.05]];
  const ROTATED_START = [-6.363961030678928, -3.535533905932737];

  // Each landscape: dim, start, plot ranges, fmin (the global minimum's value, for the loss plot
  // on a log scale; null: the loss is drawn on a linear scale) and name in the library.
  const LANDSCAPES = {
    valley: {
      dim: 2, start: [-7.0, 2.0], xlim: [-10, 10], ylim: [-5, 5], fmin: 0, minimum: [0, 0],
      library: "ill_conditioned()", ...quadratic(VALLEY_A, [0, 0]),
    },
    rotated: {
      dim: 2, start: ROTATED_START, xlim: [-8, 8], ylim: [-8, 8], fmin: 0, minimum: [0, 0],
      library: "rotated()", ...quadratic(ROTATED_A, [0, 0]),
    },
    rosenbrock: {
      dim: 2, start: [-1.2, 1.0], xlim: [-2, 2], ylim: [-1, 3], fmin: 0, minimum: [1, 1],
      library: "rosenbrock()", ...rosenbrock2(1.0, 100.0),
    },
    saddle: {
      dim: 2, start: [-1.5, 1e-3], xlim: [-2, 2], ylim: [-2, 2], fmin: null, minimum: null,
      library: "saddle()", ...quadratic([[2.0, 0.0], [0.0, -2.0]], [0, 0]),
    },
    local1d: {
      dim: 1, start: [2.0], xlim: [-3, 2.5], ylim: [-3, 3], fmin: -8 / 3, minimum: [-2],
      library: "local_minimum_1d()", ...polynomial1d([0.0, 0.0, -1.0, 1.0 / 3.0, 0.25]),
    },
    noisy: {
      dim: 2, start: [-7.0, 2.0], xlim: [-10, 10], ylim: [-5, 5], fmin: 0, minimum: [0, 0],
      library: "with_gradient_noise(ill_conditioned(), sigma)", noisy: true, sigma: 1.0,
      ...quadratic(VALLEY_A, [0, 0]),
    },
  };
  const LANDSCAPE_NAMES = Object.keys(LANDSCAPES);

  // ------------------------------------------------------------------ schedules

  // schedules.py: the learning rate of update number t (from 0); lr0 is the rule's lr.
  const SCHEDULES = {
    none: null,
    step: (lr0, steps) => (t) => lr0 * powInt(0.5, Math.floor(Math.floor(t) / Math.max(1, Math.floor(steps / 4)))),
    inverse_time: (lr0) => (t) => lr0 / (1.0 + 0.05 * t),
    cosine: (lr0, steps) => (t) => {
      const T = steps, lrMin = 0.0;
      if (t <= 0) return lr0;
      if (t >= T) return lrMin;
      const angle = Math.PI * t / T;
      return lrMin + (lr0 - lrMin) * (1.0 + cosCR(angle)) / 2.0;
    },
  };
  // What the Python side calls for each (scripts/playground_vectors.py mirrors this table).
  const SCHEDULE_ARGS = {
    step: "step(lr0, step_size=max(1, steps // 4), gamma=0.5)",
    inverse_time: "inverse_time(lr0, decay_rate=0.05)",
    cosine: "cosine(lr0, T=steps)",
  };

  // ------------------------------------------------------------------ trajectory

  /**
   * Run a rule on a landscape, as landscapes.trajectory does (with a Scheduler if `schedule`).
   * Returns {path, values, records, diverged, divergedAt}: path[k] the point after k updates,
   * records[k - 1] what update k saw and did (gradient, lr, state after it, step taken).
   * A point that is not finite stops the run (divergedAt = that step, path kept up to it).
   */
  function run(ruleName, hyper, landscapeName, start, steps, options) {
    const opts = options || {};
    const land = LANDSCAPES[landscapeName];
    if (!land) throw new Error(`unknown landscape ${landscapeName}`);
    const opt = makeOptimizer(ruleName, hyper);
    const o = opt.o;
    if (!Number.isInteger(steps) || steps < 0) throw new Error(`steps must be an integer >= 0, got ${steps}`);
    const w = (start || land.start).slice();
    if (w.length !== land.dim) throw new Error(`start has ${w.length} coordinates, but the function takes ${land.dim}`);
    if (!w.every(Number.isFinite)) throw new Error(`start must be finite, got ${w}`);
    const state = {};
    for (const name of opt.spec.state) state[name] = new Array(land.dim).fill(0);
    const schedule = opts.schedule && opts.schedule !== "none"
      ? SCHEDULES[opts.schedule](o.lr, steps) : null;
    const normal = land.noisy ? normalGenerator(opts.seed === undefined ? 1 : opts.seed) : null;
    const sigma = opts.sigma === undefined ? land.sigma : opts.sigma;
    const path = [w.slice()];
    const values = [land.value(w)];
    const records = [];
    let divergedAt = null;
    for (let step = 1; step <= steps; step++) {
      if (schedule) o.lr = checked(opt.label, "lr", schedule(step - 1), true);
      let g = land.gradient(w);
      if (normal) g = g.map((gi) => gi + sigma * normal());
      const before = w.slice();
      o.t += 1;
      opt.spec.step(o, w, g, state);
      if (!w.every(Number.isFinite)) { divergedAt = step; break; }
      path.push(w.slice());
      values.push(land.value(w));
      if (opts.records !== false) {
        const copy = {};
        for (const name of opt.spec.state) copy[name] = state[name].slice();
        records.push({ t: o.t, lr: o.lr, g, state: copy, step: w.map((wi, i) => wi - before[i]) });
      }
    }
    return { path, values, records, diverged: divergedAt !== null, divergedAt, rule: opt.label, hyper: { ...o } };
  }

  const api = {
    RULES, EXTRA_RULES, RULE_NAMES, LANDSCAPES, LANDSCAPE_NAMES, LIMITS, SCHEDULES, SCHEDULE_ARGS,
    HyperparameterError, checked, makeOptimizer, run, powInt, cosCR, normalGenerator, ruleSpec,
  };
  root.OptCore = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
