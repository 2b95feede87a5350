/* Reading figures (docs/analytics.md): one anonymous beacon when the article is first shown,
   and the seconds it was in view when the reader leaves. No cookie, no storage, no identifier;
   the referrer's host only, never its address. */
(function () {
  "use strict";
  var script = document.querySelector("script[data-article][data-endpoint]");
  if (!script || !navigator.sendBeacon) return;
  if (script.hasAttribute("data-dnt") &&
      (navigator.doNotTrack === "1" || navigator.globalPrivacyControl === true)) return;
  var article = script.getAttribute("data-article");
  var endpoint = script.getAttribute("data-endpoint");
  var shownAt = 0;
  var engaged = 0;
  var counted = false;

  function send(fields) {
    navigator.sendBeacon(endpoint, new URLSearchParams(fields));
  }

  function referrerHost() {
    try {
      var host = document.referrer ? new URL(document.referrer).hostname : "";
      return /^[a-z0-9.-]+$/i.test(host) ? host : "";  // a name, never an IPv6 literal
    } catch (e) {
      return "";
    }
  }

  function shown() {
    if (document.prerendering || document.visibilityState !== "visible") return;
    shownAt = Date.now();
    if (!counted) {
      counted = true;
      send({ t: "view", a: article, r: referrerHost() });
    }
  }

  function hidden() {
    if (!shownAt) return;
    engaged += Date.now() - shownAt;
    shownAt = 0;
    var seconds = Math.round(engaged / 1000);
    if (seconds >= 1) {
      engaged = 0;
      send({ t: "leave", a: article, s: String(seconds) });
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") hidden(); else shown();
  });
  document.addEventListener("prerenderingchange", shown);
  shown();
})();
