/* The web-push opt-in (docs/alerts-and-push.md). Never on the first page: the prompt shows
   from the second page view in this browser, or after the reader scrolls (counted in
   localStorage, never a cookie, never sent). The reader picks topics: breaking news, this
   section, this live story. Then the browser asks for permission, the service worker is
   registered at the site's root, and the subscription (endpoint and keys only) is posted. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !("serviceWorker" in navigator) || !("PushManager" in window) ||
      !("Notification" in window) || Notification.permission === "denied") return;
  var VIEWS = "newsroom:push-views", DONE = "newsroom:push-done";
  var store = window.localStorage;
  var views = 0;
  try {
    views = (parseInt(store.getItem(VIEWS) || "0", 10) || 0) + 1;
    store.setItem(VIEWS, String(views));
    if (store.getItem(DONE)) return;
  } catch (e) { return; }

  var shown = false;
  function onScroll() { if (window.scrollY > 400) open(); }
  if (views >= 2) open(); else window.addEventListener("scroll", onScroll, { passive: true });

  function key(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function choice(fieldset, value, text, checked) {
    var label = document.createElement("label");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.name = "topic";
    box.value = value;
    box.checked = checked;
    label.append(box, " " + text);
    fieldset.append(label);
  }
  function open() {
    if (shown) return;
    shown = true;
    window.removeEventListener("scroll", onScroll);
    var slot = document.getElementById("site-alert");
    var section = slot ? slot.dataset.section : "";
    var live = document.querySelector("[data-push-live]");
    var box = document.createElement("aside");
    box.className = "push-prompt";
    box.setAttribute("aria-labelledby", "push-prompt-title");
    var title = document.createElement("h2");
    title.id = "push-prompt-title";
    title.textContent = "Get news alerts?";
    var fieldset = document.createElement("fieldset");
    var legend = document.createElement("legend");
    legend.textContent = "Notify me about";
    fieldset.append(legend);
    choice(fieldset, "breaking", "Breaking news", true);
    if (section) choice(fieldset, "section:" + section, "News from " + (slot.dataset.sectionName || section), false);
    if (live) choice(fieldset, "live:" + live.dataset.pushLive, "Updates on this live story", true);
    var status = document.createElement("p");
    status.setAttribute("role", "status");
    var actions = document.createElement("div");
    actions.className = "push-prompt__actions";
    var yes = document.createElement("button");
    yes.type = "button";
    yes.textContent = "Turn on";
    var no = document.createElement("button");
    no.type = "button";
    no.textContent = "Not now";
    actions.append(yes, no);
    box.append(title, fieldset, actions, status);
    document.body.append(box);
    no.addEventListener("click", function () {
      try { store.setItem(DONE, "declined"); } catch (e) { /* private mode */ }
      box.remove();
    });
    yes.addEventListener("click", function () {
      var topics = Array.prototype.map.call(
        fieldset.querySelectorAll("input:checked"), function (input) { return input.value; });
      if (!topics.length) { status.textContent = "Choose at least one."; return; }
      yes.disabled = true;
      subscribe(topics).then(function () {
        try { store.setItem(DONE, "subscribed"); } catch (e) { /* private mode */ }
        status.textContent = "Done: you will get alerts.";
        window.setTimeout(function () { box.remove(); }, 3000);
      }, function () {
        yes.disabled = false;
        status.textContent = "Alerts could not be turned on in this browser.";
      });
    });
  }
  function subscribe(topics) {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error("permission " + permission);
      return navigator.serviceWorker.register(script.dataset.worker, { scope: "/" });
    }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      return registration.pushManager.getSubscription().then(function (existing) {
        return existing || registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: key(script.dataset.key)
        });
      });
    }).then(function (subscription) {
      var json = subscription.toJSON();
      return fetch(script.dataset.subscribe, {
        method: "POST",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ endpoint: json.endpoint, keys: json.keys, topics: topics })
      });
    }).then(function (response) {
      if (!response.ok) throw new Error("subscribe " + response.status);
    });
  }
})();
