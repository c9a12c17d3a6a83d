/* The WhatsApp simulator page: a citizen's phone. Plain JS, nothing from the internet.
 *
 * What the citizen does is POSTed (CSRF-protected, same origin) to the simulator's endpoints, which build,
 * sign and post Meta's webhook; the app secret never reaches the browser. The page polls the conversation,
 * draws it as WhatsApp does, and reports the bot's messages delivered, then read once they are on screen.
 */
(function () {
  "use strict";

  var setup = document.getElementById("setup");
  if (!setup) return; // no department number yet: the page says so

  var config = JSON.parse(document.getElementById("simulator-config").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var els = {
    number: $("number"), waId: $("wa-id"), name: $("name"), usernameOnly: $("username-only"), bsuid: $("bsuid"),
    chat: $("chat"), messages: $("messages"), error: $("error"), input: $("message-input"), composer: $("composer"),
    attach: $("attach"), attachMenu: $("attach-menu"), listSheet: $("list-sheet"), listTitle: $("list-title"),
    listRows: $("list-rows"), locationSheet: $("location-sheet"), locationForm: $("location-form"),
    title: $("chat-title"), sub: $("chat-sub"), avatar: $("chat-avatar")
  };
  var POLL_MS = 1500;
  var ICONS = {
    clip: '<path d="M16.5 6.5 8.9 14.1a1.9 1.9 0 0 0 2.7 2.7l7.9-7.9a3.8 3.8 0 0 0-5.4-5.4L6 11.6a5.7 5.7 0 0 0 8.1 8.1l6.4-6.4" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/>',
    send: '<path d="M3.4 20.4 21 12 3.4 3.6l-.01 6.53L16 12 3.39 13.87z" fill="currentColor"/>',
    clock: '<circle cx="12" cy="12" r="8" fill="none" stroke="currentColor" stroke-width="2"/><path d="M12 7v5l3 2" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>',
    document: '<path d="M6 2h8l5 5v15H6z" fill="currentColor" opacity=".9"/><path d="M14 2v5h5" fill="#fff" opacity=".6"/>',
    image: '<rect x="3" y="4" width="18" height="16" rx="2" fill="currentColor"/><circle cx="9" cy="10" r="2" fill="#fff"/><path d="m5 18 5-5 3 3 2-2 4 4z" fill="#fff"/>',
    mic: '<rect x="9" y="2" width="6" height="12" rx="3" fill="currentColor"/><path d="M5 11a7 7 0 0 0 14 0M12 18v4" fill="none" stroke="currentColor" stroke-width="2"/>',
    pin: '<path d="M12 2a7 7 0 0 0-7 7c0 5 7 13 7 13s7-8 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z" fill="currentColor"/>',
    list: '<path d="M4 6h16M4 12h16M4 18h16" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>',
    link: '<path d="M14 4h6v6M20 4l-9 9M18 14v6H4V6h6" fill="none" stroke="currentColor" stroke-width="2"/>',
    reply: '<path d="M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z" fill="currentColor"/>',
    template: '<path d="M4 4h16v12H8l-4 4z" fill="none" stroke="currentColor" stroke-width="2"/><path d="M8 8h8M8 12h5" stroke="currentColor" stroke-width="2"/>'
  };
  // What a status looks like: ticks for the bot's messages (from status webhooks) and for the citizen's own
  // (the webhook stored it: delivered; the bot processed it: read).
  var TICKS = {
    pending: ["clock", "pending", "Sending… / भेजा जा रहा है…"],
    queued: ["clock", "pending", "Queued / कतार में"],
    sending: ["clock", "pending", "Sending / भेजा जा रहा है"],
    uncertain: ["?", "failed", "No answer from Meta / मेटा से जवाब नहीं"],
    sent: ["✓", "sent", "Sent / भेजा गया"],
    delivered: ["✓✓", "delivered", "Delivered / पहुँचा"],
    received: ["✓✓", "delivered", "Delivered to the department / विभाग तक पहुँचा"],
    read: ["✓✓", "read", "Read / पढ़ा गया"],
    played: ["✓✓", "read", "Played / सुना गया"],
    processed: ["✓✓", "read", "Read by the department / विभाग ने पढ़ा"],
    failed: ["!", "failed", "Failed / विफल"]
  };

  var state = { messages: new Map(), nodes: new Map(), local: new Map(), sending: 0, polling: false, timer: null };

  function icon(name, extraClass) {
    var span = document.createElement("span");
    span.className = "ic" + (extraClass ? " " + extraClass : "");
    span.innerHTML = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">' + ICONS[name] + "</svg>";
    return span;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // WhatsApp's own formatting: *bold*, _italic_, ~strike~, ```mono```; built as DOM, never as HTML.
  function formatted(text, className) {
    var node = el("div", className || "text");
    var parts = String(text || "").split(/(```[^`]+```|\*[^*\n]+\*|_[^_\n]+_|~[^~\n]+~)/);
    parts.forEach(function (part) {
      var tags = { "*": "strong", "_": "em", "~": "s" };
      if (part.indexOf("```") === 0 && part.length > 6) node.appendChild(el("code", null, part.slice(3, -3)));
      else if (part.length > 2 && tags[part[0]] && part[part.length - 1] === part[0]) {
        node.appendChild(el(tags[part[0]], null, part.slice(1, -1)));
      } else if (part) node.appendChild(document.createTextNode(part));
    });
    return node;
  }

  function identity() {
    var fields = { number: els.number.value, wa_id: els.waId.value.trim(), name: els.name.value.trim() };
    if (els.usernameOnly.checked) fields.username_only = "on";
    return fields;
  }
  function identityKey() { return JSON.stringify(identity()); }
  function identityValid() { return /^\d{8,15}$/.test(els.waId.value.trim()); }
  function csrfToken() { return setup.querySelector("[name=csrfmiddlewaretoken]").value; }

  function showError(message) {
    els.error.textContent = message;
    els.error.hidden = !message;
    if (message) {
      clearTimeout(showError.timer);
      showError.timer = setTimeout(function () { els.error.hidden = true; }, 8000);
    }
  }

  function post(url, fields, file) {
    var form = new FormData();
    var all = Object.assign(identity(), fields || {});
    Object.keys(all).forEach(function (key) {
      if (all[key] !== "" && all[key] !== null && all[key] !== undefined) form.append(key, all[key]);
    });
    if (file) form.append("file", file);
    return fetch(url, {
      method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() }
    }).then(answer);
  }

  function answer(response) {
    return response.json().catch(function () { return { error: "HTTP " + response.status }; }).then(function (data) {
      if (!response.ok) throw new Error(data.error || "HTTP " + response.status);
      return data;
    });
  }

  // --- drawing -----------------------------------------------------------------------------------------

  function headerUpdate() {
    var option = els.number.options[els.number.selectedIndex];
    els.title.textContent = option.dataset.en + " / " + option.dataset.hi;
    els.sub.textContent = option.dataset.display + " · Business account / व्यावसायिक खाता";
    els.avatar.textContent = (option.dataset.code || "").slice(0, 3);
    var who = els.name.value.trim() || "—";
    var number = els.usernameOnly.checked ? "username / यूज़रनेम" : "+" + els.waId.value.trim();
    $("setup-summary").textContent = who + " · " + number + " → " + (option.dataset.code || option.dataset.display);
  }

  function tick(status) {
    var look = TICKS[status] || TICKS.sent;
    var node = look[0] === "clock" ? icon("clock", "tick " + look[1]) : el("span", "tick " + look[1], look[0]);
    node.title = look[2];
    node.dataset.status = status;
    return node;
  }

  function meta(message) {
    var node = el("span", "meta");
    node.appendChild(el("span", "clock", message.clock || ""));
    node.appendChild(tick(message.status));
    return node;
  }

  function quote(contextWamid) {
    var quoted = null;
    state.messages.forEach(function (m) { if (m.wamid === contextWamid) quoted = m; });
    if (!quoted) return null;
    var node = el("div", "quote");
    node.appendChild(el("div", "quote-who", quoted.direction === "out" ? els.title.textContent : "You / आप"));
    var shown = quoted.display || {};
    var first = (shown.text || quoted.body || "").split("\n")[0].replace(/[*_~`]/g, "");
    node.appendChild(el("div", "quote-text", first));
    return node;
  }

  function fileCard(kind, title, subtitle) {
    var card = el("div", "file-card " + kind);
    card.appendChild(icon(kind === "audio" ? "mic" : kind === "image" ? "image" : "document", "file-icon"));
    var words = el("div", "file-words");
    words.appendChild(el("div", "file-name", title));
    if (subtitle) words.appendChild(el("div", "file-sub", subtitle));
    card.appendChild(words);
    return card;
  }

  function extension(name, mime) {
    var match = /\.([a-z0-9]+)$/i.exec(name || "");
    if (match) return match[1].toUpperCase();
    return (mime || "").split("/").pop().split(";")[0].toUpperCase();
  }

  function botContent(message, bubble, card) {
    var shown = message.display || {};
    if (message.type === "interactive") {
      if (shown.header) bubble.appendChild(el("div", "header", shown.header));
      bubble.appendChild(formatted(shown.text));
      if (shown.footer) bubble.appendChild(el("div", "footer", shown.footer));
      var actions = el("div", "actions");
      (shown.buttons || []).forEach(function (button) {
        var tap = el("button", "reply-button", button.title);
        tap.type = "button";
        tap.insertBefore(icon("reply"), tap.firstChild);
        tap.addEventListener("click", function () { reply(message, button.id, button.title); });
        actions.appendChild(tap);
      });
      if (shown.kind === "list") {
        var open = el("button", "reply-button list-open", shown.button);
        open.type = "button";
        open.insertBefore(icon("list"), open.firstChild);
        open.addEventListener("click", function () { listOpen(message); });
        actions.appendChild(open);
      }
      if (shown.kind === "cta_url") {
        var link = el("a", "reply-button", shown.label);
        link.href = shown.url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        link.insertBefore(icon("link"), link.firstChild);
        actions.appendChild(link);
      }
      if (actions.childNodes.length) card.appendChild(actions);
    } else if (message.type === "template") {
      var tag = el("div", "template-tag");
      tag.appendChild(icon("template"));
      tag.appendChild(document.createTextNode("Template / टेम्पलेट · " + shown.name + " · " + (shown.language || "")));
      bubble.appendChild(tag);
      var list = el("ol", "params");
      (shown.parameters || []).forEach(function (value, index) {
        var item = el("li");
        item.appendChild(el("span", "param-key", "{{" + (index + 1) + "}}"));
        item.appendChild(document.createTextNode(" " + value));
        list.appendChild(item);
      });
      if (list.childNodes.length) bubble.appendChild(list);
    } else if (message.type === "document" || message.type === "image") {
      var name = shown.filename || (message.type === "image" ? "Image / फ़ोटो" : "Document / दस्तावेज़");
      bubble.appendChild(fileCard(message.type, name, shown.link ? shown.link.replace(/^https?:\/\//, "").split("/")[0]
        : extension(shown.filename, message.type === "image" ? "image/jpeg" : "application/pdf")));
      if (shown.caption) bubble.appendChild(formatted(shown.caption));
    } else {
      bubble.appendChild(formatted(shown.text || message.body));
    }
  }

  function mineContent(message, bubble) {
    var shown = message.display || {};
    var local = state.local.get(message.id) || {};
    if (message.type === "interactive") {
      var context = quote(message.context_wamid);
      if (context) bubble.appendChild(context);
      bubble.appendChild(formatted(shown.title || message.body));
    } else if (message.type === "location") {
      var map = el("div", "map");
      map.appendChild(icon("pin", "map-pin"));
      bubble.appendChild(map);
      if (shown.name) bubble.appendChild(el("div", "place", shown.name));
      if (shown.address) bubble.appendChild(el("div", "address", shown.address));
      bubble.appendChild(el("div", "coords", Number(shown.latitude).toFixed(4) + ", " + Number(shown.longitude).toFixed(4)));
    } else if (message.type === "image" && local.url) {
      var image = el("img", "photo");
      image.src = local.url;
      image.alt = shown.caption || "Photo / फ़ोटो";
      bubble.appendChild(image);
      if (shown.caption) bubble.appendChild(formatted(shown.caption));
    } else if (message.type === "audio") {
      if (local.url) {
        var audio = el("audio", "voice");
        audio.controls = true;
        audio.src = local.url;
        bubble.appendChild(audio);
      } else bubble.appendChild(fileCard("audio", "Voice note / वॉइस नोट", extension("", shown.mime_type)));
    } else if (message.type === "document" || message.type === "image") {
      var fallback = message.type === "image" ? "Photo / फ़ोटो" : "Document / दस्तावेज़";
      bubble.appendChild(fileCard(message.type, shown.filename || fallback, extension(shown.filename, shown.mime_type)));
      if (shown.caption) bubble.appendChild(formatted(shown.caption));
    } else {
      bubble.appendChild(formatted(message.body));
    }
  }

  function messageNode(message) {
    var mine = message.direction === "in";
    var row = el("div", "row " + (mine ? "mine" : "theirs"));
    row.dataset.id = message.id;
    row.dataset.type = message.type;
    var card = el("div", "card");
    var bubble = el("div", "bubble");
    if (mine) mineContent(message, bubble);
    else botContent(message, bubble, card);
    if (message.error && message.status === "failed") bubble.appendChild(el("div", "failure", message.error));
    bubble.appendChild(meta(message));
    card.insertBefore(bubble, card.firstChild);
    row.appendChild(card);
    return row;
  }

  function signature(message) {
    return message.status + "|" + message.error + "|" + JSON.stringify(message.display);
  }

  function render(messages) {
    // In the order they were stored: two messages sent quickly may come back from the server the other way.
    messages = messages.slice().sort(function (a, b) { return a.id - b.id; });
    var nearBottom = els.chat.scrollHeight - els.chat.scrollTop - els.chat.clientHeight < 120;
    var first = state.messages.size === 0;
    var added = false;
    var previous = null;
    messages.forEach(function (message) {
      var old = state.messages.get(message.id);
      var node = state.nodes.get(message.id);
      if (!node || !old || signature(old) !== signature(message)) {
        var fresh = messageNode(message);
        if (node) node.replaceWith(fresh);
        else added = true;
        node = fresh;
        state.nodes.set(message.id, node);
      }
      state.messages.set(message.id, message);
      var expected = previous ? previous.nextSibling : els.messages.firstChild;
      if (expected !== node) els.messages.insertBefore(node, expected);
      previous = node;
    });
    if (added && (nearBottom || first)) els.chat.scrollTop = els.chat.scrollHeight;
  }

  function reset() {
    state.messages.clear();
    state.nodes.clear();
    els.messages.textContent = "";
    headerUpdate();
    poll();
  }

  // --- polling and receipts ----------------------------------------------------------------------------

  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(poll, document.hidden ? POLL_MS * 3 : POLL_MS);
  }

  function poll() {
    if (state.polling || !identityValid()) return schedule();
    var key = identityKey();
    state.polling = true;
    fetch(config.urls.conversation + "?" + new URLSearchParams(identity()), { credentials: "same-origin" })
      .then(answer)
      .then(function (data) {
        if (key !== identityKey() || state.sending > 0) return null; // switched, or a send will redraw
        els.bsuid.textContent = data.citizen.user_id;
        render(data.messages);
        return receipts(data.messages);
      })
      .catch(function (error) { showError(error.message); })
      .then(function () { state.polling = false; schedule(); });
  }

  // The phone got the bot's sent messages (delivered); those on screen while the page is visible are read.
  function receipts(messages) {
    var ids = function (status) {
      return messages.filter(function (m) { return m.direction === "out" && m.status === status; })
        .map(function (m) { return m.id; }).join(",");
    };
    var sent = ids("sent");
    var delivered = ids("delivered");
    var chain = Promise.resolve();
    if (sent) chain = chain.then(function () { return post(config.urls.receipts, { status: "delivered", message_ids: sent }); });
    if (delivered && document.visibilityState === "visible") {
      chain = chain.then(function () { return post(config.urls.receipts, { status: "read", message_ids: delivered }); });
    }
    return chain;
  }

  // --- what the citizen does ---------------------------------------------------------------------------

  function pendingNode(preview) {
    var message = Object.assign({ id: "pending", direction: "in", status: "pending", clock: clockNow(), display: {} }, preview);
    var node = messageNode(message);
    node.classList.add("pending");
    els.messages.appendChild(node);
    els.chat.scrollTop = els.chat.scrollHeight;
    return node;
  }

  function clockNow() {
    var now = new Date();
    return String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
  }

  function deliver(request, preview, local) {
    if (!identityValid()) {
      showError("Write your number as 8 to 15 digits. / अपना नंबर 8 से 15 अंकों में लिखें।");
      return;
    }
    var node = pendingNode(preview);
    state.sending += 1;
    request()
      .then(function (data) {
        node.remove();
        if (local) state.local.set(data.message.id, local);
        render(Array.from(state.messages.values()).concat([data.message]));
        els.chat.scrollTop = els.chat.scrollHeight;
        showError("");
      })
      .catch(function (error) {
        var failed = node.querySelector(".tick");
        failed.replaceWith(tick("failed"));
        node.querySelector(".tick").title = error.message;
        showError(error.message);
      })
      .then(function () { state.sending -= 1; });
  }

  function sendText(text) {
    deliver(function () { return post(config.urls.send, { kind: "text", text: text }); },
      { type: "text", body: text });
  }

  function reply(message, replyId, title) {
    listClose();
    deliver(function () { return post(config.urls.send, { kind: "reply", message_id: message.id, reply_id: replyId }); },
      { type: "interactive", body: title, context_wamid: message.wamid, display: { title: title } });
  }

  function upload(kind, file) {
    var caption = kind === "audio" ? "" : els.input.value.trim();
    els.input.value = "";
    var url = URL.createObjectURL(file);
    deliver(function () { return post(config.urls.upload, { kind: kind, caption: caption }, file); },
      { type: kind, body: caption, display: { filename: file.name, caption: caption, mime_type: file.type } },
      { url: url });
  }

  function listOpen(message) {
    var shown = message.display;
    els.listTitle.textContent = shown.button;
    els.listRows.textContent = "";
    (shown.sections || []).forEach(function (section) {
      if (section.title) els.listRows.appendChild(el("div", "section-title", section.title));
      (section.rows || []).forEach(function (row) {
        var button = el("button", "row-option");
        button.type = "button";
        button.dataset.replyId = row.id;
        button.appendChild(el("span", "row-title", row.title));
        if (row.description) button.appendChild(el("span", "row-description", row.description));
        button.addEventListener("click", function () { reply(message, row.id, row.title); });
        els.listRows.appendChild(button);
      });
    });
    els.listSheet.hidden = false;
  }

  function listClose() { els.listSheet.hidden = true; }

  function attachToggle(open) {
    els.attachMenu.hidden = !open;
    els.attach.setAttribute("aria-expanded", String(open));
  }

  function randomNumber() {
    var digits = new Uint32Array(1);
    window.crypto.getRandomValues(digits);
    return "9198" + String(digits[0] % 100000000).padStart(8, "0");
  }

  // --- wiring ------------------------------------------------------------------------------------------

  document.querySelectorAll("[data-icon]").forEach(function (node) {
    node.appendChild(icon(node.dataset.icon));
  });

  els.composer.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = els.input.value;
    if (!text.trim()) return;
    els.input.value = "";
    sendText(text);
    els.input.focus();
  });

  els.attach.addEventListener("click", function () { attachToggle(els.attachMenu.hidden); });
  els.attachMenu.querySelectorAll("[data-pick]").forEach(function (button) {
    button.addEventListener("click", function () {
      attachToggle(false);
      $("file-" + button.dataset.pick).click();
    });
  });
  ["image", "document", "audio"].forEach(function (kind) {
    var input = $("file-" + kind);
    input.addEventListener("change", function () {
      if (input.files.length) upload(kind, input.files[0]);
      input.value = "";
    });
  });

  $("open-location").addEventListener("click", function () {
    attachToggle(false);
    els.locationSheet.hidden = false;
  });
  els.locationForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(els.locationForm);
    var fields = { kind: "location" };
    data.forEach(function (value, key) { fields[key] = value; });
    els.locationSheet.hidden = true;
    deliver(function () { return post(config.urls.send, fields); }, {
      type: "location", body: fields.place,
      display: { latitude: fields.latitude, longitude: fields.longitude, name: fields.place, address: fields.address }
    });
  });

  document.querySelectorAll("[data-close]").forEach(function (button) {
    button.addEventListener("click", function () { $(button.dataset.close).hidden = true; });
  });
  [els.listSheet, els.locationSheet].forEach(function (sheet) {
    sheet.addEventListener("click", function (event) { if (event.target === sheet) sheet.hidden = true; });
  });
  document.addEventListener("click", function (event) {
    if (!els.attachMenu.hidden && !els.attachMenu.contains(event.target) && !els.attach.contains(event.target)) {
      attachToggle(false);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    els.listSheet.hidden = true;
    els.locationSheet.hidden = true;
    attachToggle(false);
  });

  if (window.matchMedia("(max-width: 820px)").matches) $("setup-details").open = false; // room for the chat
  els.name.addEventListener("change", headerUpdate);
  els.number.addEventListener("change", reset);
  els.usernameOnly.addEventListener("change", reset);
  els.waId.addEventListener("change", reset);
  $("new-citizen").addEventListener("click", function () {
    els.waId.value = randomNumber();
    reset();
  });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });

  reset();
})();
