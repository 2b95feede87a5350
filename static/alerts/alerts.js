/* The breaking-news banner (docs/alerts-and-push.md). Pages never carry an alert themselves:
   this script asks the one shared, separately cached endpoint, so a cached page needs no purge
   when an alert starts, changes or ends. The banner is fixed to the bottom of the window, so
   nothing on the page moves (no layout shift). A dismissed alert is remembered in this
   browser's localStorage only (no cookie, nothing sent). */
(function () {
  "use strict";
  var slot = document.getElementById("site-alert");
  if (!slot || !window.fetch) return;
  var KEY = "newsroom:dismissed-alerts";

  function dismissed() {
    try { return JSON.parse(window.localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }
  function remember(id) {
    var ids = dismissed().filter(function (x) { return x !== id; });
    ids.push(id);
    try { window.localStorage.setItem(KEY, JSON.stringify(ids.slice(-20))); } catch (e) { /* private mode */ }
  }
  function safeLink(url) {
    return /^\/(?!\/)/.test(url) || /^https?:\/\//i.test(url);
  }
  function hide() {
    slot.replaceChildren();
    slot.classList.remove("is-shown");
  }
  function show(alert) {
    var bar = document.createElement("div");
    bar.className = "site-alert__bar site-alert__bar--" + alert.level;
    bar.setAttribute("role", "region");
    bar.setAttribute("aria-label", alert.level_label + " news");
    var label = document.createElement("strong");
    label.className = "site-alert__label";
    label.textContent = alert.level_label;
    var text;
    if (alert.url && safeLink(alert.url)) {
      text = document.createElement("a");
      text.href = alert.url;
    } else {
      text = document.createElement("span");
    }
    text.className = "site-alert__text";
    text.textContent = alert.text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "site-alert__close";
    close.setAttribute("aria-label", "Dismiss this alert");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () { remember(alert.id); hide(); });
    bar.append(label, " ", text, close);
    slot.replaceChildren(bar);
    slot.classList.add("is-shown");
    var left = Date.parse(alert.expires_at) - Date.now();
    if (left > 0 && left < 2147483647) window.setTimeout(hide, left);
  }

  // "no-cache": the browser asks again each page (a 304 from the proxy when nothing changed)
  // rather than showing its stale copy while revalidating in the background.
  fetch(slot.dataset.src, { credentials: "omit", cache: "no-cache" })
    .then(function (response) { return response.ok ? response.json() : { alerts: [] }; })
    .then(function (data) {
      var section = slot.dataset.section || "";
      var gone = dismissed();
      var shown = (data.alerts || []).filter(function (alert) {
        return (!alert.section || alert.section === section) && gone.indexOf(alert.id) < 0 &&
          Date.parse(alert.expires_at) > Date.now();
      });
      if (shown.length) show(shown[0]);
    })
    .catch(function () { /* no banner is the safe failure */ });
})();
