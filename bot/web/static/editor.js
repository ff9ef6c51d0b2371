/* The Vary (Region) editor. Shapes are kept in coordinates relative to the image
   (0..1), drawn over it for the user, and sent as they are: the bot draws the mask at
   the image's own size. Pointer events, so mouse, pen and touch all paint. */
(function () {
  "use strict";

  var MAX_SHAPES = 200;
  var MAX_POINTS_PER_SHAPE = 4000;
  var MAX_POINTS = 20000;
  var MIN_STEP = 0.002; // a new point only when the pointer moved this far (relative)
  var PAINT = "#ff3d6e";
  var FINAL = { used: 1, expired: 1, unknown: 1, not_yours: 1, sent: 1 };

  var config = JSON.parse(document.getElementById("config").textContent);
  var texts = config.texts;
  var canvas = document.getElementById("canvas");
  var ctx = canvas.getContext("2d");
  var stage = document.getElementById("stage");
  var loading = document.getElementById("loading");
  var sizeInput = document.getElementById("size");
  var undoButton = document.getElementById("undo");
  var clearButton = document.getElementById("clear");
  var submitButton = document.getElementById("submit");
  var promptInput = document.getElementById("prompt");
  var statusLine = document.getElementById("status");
  var toolButtons = Array.prototype.slice.call(document.querySelectorAll("[data-tool]"));
  var overlay = document.createElement("canvas");
  var octx = overlay.getContext("2d");

  var image = new Image();
  var loaded = false;
  var shapes = [];
  var current = null;
  var pointerId = null;
  var tool = "rect";
  var finished = false;
  var busy = false;
  var view = { w: 0, h: 0 };

  function clamp(v) {
    return v < 0 ? 0 : v > 1 ? 1 : v;
  }

  function round(v) {
    return Math.round(v * 100000) / 100000;
  }

  function say(text, kind) {
    statusLine.textContent = text || "";
    statusLine.className = kind || "";
  }

  function pointCount() {
    var total = 0;
    shapes.forEach(function (s) {
      total += s.points ? s.points.length : 0;
    });
    return total + (current && current.points ? current.points.length : 0);
  }

  function refreshButtons() {
    var idle = loaded && !finished && !busy;
    undoButton.disabled = !idle || shapes.length === 0;
    clearButton.disabled = !idle || shapes.length === 0;
    submitButton.disabled = !idle;
    toolButtons.forEach(function (b) {
      b.disabled = finished;
      b.setAttribute("aria-pressed", b.getAttribute("data-tool") === tool ? "true" : "false");
    });
    sizeInput.disabled = finished;
    promptInput.disabled = finished;
  }

  function layout() {
    if (!loaded) return;
    var maxWidth = stage.clientWidth;
    var maxHeight = Math.max(240, window.innerHeight * 0.7);
    var scale = Math.min(maxWidth / image.naturalWidth, maxHeight / image.naturalHeight);
    var w = Math.max(1, Math.floor(image.naturalWidth * scale));
    var h = Math.max(1, Math.floor(image.naturalHeight * scale));
    var ratio = window.devicePixelRatio || 1;
    canvas.style.width = w + "px";
    canvas.style.height = h + "px";
    canvas.width = overlay.width = Math.max(1, Math.round(w * ratio));
    canvas.height = overlay.height = Math.max(1, Math.round(h * ratio));
    view.w = w;
    view.h = h;
    draw();
  }

  function paint(c, s, w, h) {
    if (s.type === "rect") {
      c.fillRect(
        Math.min(s.x1, s.x2) * w,
        Math.min(s.y1, s.y2) * h,
        Math.abs(s.x2 - s.x1) * w,
        Math.abs(s.y2 - s.y1) * h
      );
    } else if (s.type === "lasso") {
      c.beginPath();
      s.points.forEach(function (p, i) {
        if (i === 0) c.moveTo(p[0] * w, p[1] * h);
        else c.lineTo(p[0] * w, p[1] * h);
      });
      c.closePath();
      c.fill("evenodd"); // as the server's polygon fills: a crossed lasso has holes
    } else {
      var width = s.size * w;
      c.lineWidth = width;
      c.lineCap = "round";
      c.lineJoin = "round";
      c.beginPath();
      c.moveTo(s.points[0][0] * w, s.points[0][1] * h);
      if (s.points.length === 1) {
        c.arc(s.points[0][0] * w, s.points[0][1] * h, width / 2, 0, 2 * Math.PI);
        c.fill();
        return;
      }
      s.points.slice(1).forEach(function (p) {
        c.lineTo(p[0] * w, p[1] * h);
      });
      c.stroke();
    }
  }

  function draw() {
    var w = canvas.width;
    var h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(image, 0, 0, w, h);
    octx.clearRect(0, 0, w, h);
    octx.fillStyle = octx.strokeStyle = PAINT;
    shapes.forEach(function (s) {
      paint(octx, s, w, h);
    });
    // A lasso being drawn shows its fill (even-odd, as it will be) under its outline.
    if (current && (current.type !== "lasso" || current.points.length >= 3)) {
      paint(octx, current, w, h);
    }
    ctx.globalAlpha = 0.5;
    ctx.drawImage(overlay, 0, 0);
    ctx.globalAlpha = 1;
    if (current && current.type === "lasso") {
      ctx.strokeStyle = PAINT;
      ctx.lineWidth = 2 * (window.devicePixelRatio || 1);
      ctx.beginPath();
      current.points.forEach(function (p, i) {
        if (i === 0) ctx.moveTo(p[0] * w, p[1] * h);
        else ctx.lineTo(p[0] * w, p[1] * h);
      });
      ctx.stroke();
    }
  }

  function pointOf(event) {
    var r = canvas.getBoundingClientRect();
    return [
      round(clamp((event.clientX - r.left) / r.width)),
      round(clamp((event.clientY - r.top) / r.height)),
    ];
  }

  function addPoint(p) {
    var pts = current.points;
    var last = pts[pts.length - 1];
    var far = Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) >= MIN_STEP;
    if (far && pts.length < MAX_POINTS_PER_SHAPE && pointCount() < MAX_POINTS) pts.push(p);
  }

  canvas.addEventListener("pointerdown", function (event) {
    if (!loaded || finished || busy || current || shapes.length >= MAX_SHAPES) return;
    if (event.pointerType === "mouse" && event.button !== 0) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    pointerId = event.pointerId;
    var p = pointOf(event);
    if (tool === "rect") {
      current = { type: "rect", x1: p[0], y1: p[1], x2: p[0], y2: p[1] };
    } else if (tool === "lasso") {
      current = { type: "lasso", points: [p] };
    } else {
      var size = Math.min(0.5, Number(sizeInput.value) / view.w);
      current = { type: "brush", size: round(size), points: [p] };
    }
    draw();
  });

  canvas.addEventListener("pointermove", function (event) {
    if (!current || event.pointerId !== pointerId) return;
    event.preventDefault();
    var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    if (!events.length) events = [event];
    events.forEach(function (e) {
      var p = pointOf(e);
      if (current.type === "rect") {
        current.x2 = p[0];
        current.y2 = p[1];
      } else {
        addPoint(p);
      }
    });
    draw();
  });

  function finish(event) {
    if (!current || event.pointerId !== pointerId) return;
    var s = current;
    current = null;
    pointerId = null;
    if (event.type === "pointerup") {
      if (s.type === "rect") {
        var p = pointOf(event);
        s.x2 = p[0];
        s.y2 = p[1];
        if (Math.abs(s.x2 - s.x1) * view.w >= 3 && Math.abs(s.y2 - s.y1) * view.h >= 3) {
          shapes.push(s);
        }
      } else if (s.type === "lasso") {
        if (s.points.length >= 3) shapes.push(s);
      } else {
        shapes.push(s);
      }
      if (shapes.length) say("");
    }
    refreshButtons();
    draw();
  }

  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);

  toolButtons.forEach(function (button) {
    button.addEventListener("click", function () {
      tool = button.getAttribute("data-tool");
      refreshButtons();
    });
  });

  undoButton.addEventListener("click", function () {
    shapes.pop();
    refreshButtons();
    draw();
  });

  clearButton.addEventListener("click", function () {
    shapes = [];
    refreshButtons();
    draw();
  });

  submitButton.addEventListener("click", function () {
    if (!shapes.length) {
      say(texts.empty, "error");
      return;
    }
    busy = true;
    refreshButtons();
    say(texts.sending);
    var body = JSON.stringify({ token: config.token, prompt: promptInput.value, shapes: shapes });
    fetch(config.submit, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: body,
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        busy = false;
        if (answer.ok) {
          finished = true;
          say(texts.sent, "done");
        } else {
          finished = !!FINAL[answer.code];
          say(answer.message, "error");
        }
        refreshButtons();
      })
      .catch(function () {
        busy = false;
        say(texts.network, "error");
        refreshButtons();
      });
  });

  image.addEventListener("load", function () {
    loaded = true;
    loading.hidden = true;
    layout();
    refreshButtons();
  });
  image.addEventListener("error", function () {
    loading.hidden = true;
    say(texts.image_failed, "error");
  });
  window.addEventListener("resize", layout);
  refreshButtons();
  image.src = config.image;
})();
