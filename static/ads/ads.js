/* Newsroom ads: choose a creative per slot in the browser (cache-safe rotation), report
   offers and viewable impressions with sendBeacon, and start Google Ad Manager / AdSense units.
   Loaded as an external file: the site's CSP allows no inline script. Without JavaScript every
   slot keeps the first eligible creative the server rendered. */
(function (root) {
  "use strict";

  // Candidates live now (start inclusive, end exclusive), best priority, then weighted random.
  function pick(candidates, now, random) {
    var live = candidates.filter(function (c) {
      return (c.starts === null || c.starts <= now) && (c.ends === null || now < c.ends);
    });
    if (!live.length) { return null; }
    var top = Math.min.apply(null, live.map(function (c) { return c.priority; }));
    var tier = live.filter(function (c) { return c.priority === top; });
    var total = tier.reduce(function (sum, c) { return sum + c.weight; }, 0);
    var roll = random() * total;
    for (var i = 0; i < tier.length; i++) {
      roll -= tier[i].weight;
      if (roll < 0) { return tier[i]; }
    }
    return tier[tier.length - 1];
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { pick: pick };
  }
  if (typeof document === "undefined") { return; }

  function num(value) { return value === "" || value === undefined ? null : Number(value); }

  function describe(element, template) {
    return {
      element: element,
      template: template,
      placement: Number(element.dataset.placement),
      weight: Number(element.dataset.weight),
      priority: Number(element.dataset.priority),
      starts: num(element.dataset.starts),
      ends: num(element.dataset.ends)
    };
  }

  var pending = { o: [], v: [] };
  var beaconUrl = null;
  var flushTimer = null;

  function flush() {
    flushTimer = null;
    if (!beaconUrl || (!pending.o.length && !pending.v.length)) { return; }
    // The endpoint takes at most 20 ids of each kind per report.
    while (pending.o.length || pending.v.length) {
      var body = JSON.stringify({ o: pending.o.splice(0, 20), v: pending.v.splice(0, 20) });
      if (navigator.sendBeacon) { navigator.sendBeacon(beaconUrl, body); }
    }
  }

  function report(kind, placement) {
    if (pending[kind].indexOf(placement) === -1) { pending[kind].push(placement); }
    if (!flushTimer) { flushTimer = setTimeout(flush, 2000); }
  }

  // Viewable: at least half of the creative on screen for one continuous second.
  var observer = "IntersectionObserver" in root ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      var el = entry.target;
      if (entry.intersectionRatio >= 0.5) {
        if (!el._adTimer) {
          el._adTimer = setTimeout(function () {
            report("v", Number(el.dataset.placement));
            observer.unobserve(el);
          }, 1000);
        }
      } else if (el._adTimer) {
        clearTimeout(el._adTimer);
        el._adTimer = null;
      }
    });
  }, { threshold: [0, 0.5] }) : null;

  var gptQueued = false;
  function startGam(unit) {
    var config = JSON.parse(unit.dataset.gam);
    root.googletag = root.googletag || { cmd: [] };
    if (!gptQueued) {
      gptQueued = true;
      var s = document.createElement("script");
      s.src = "https://securepubads.g.doubleclick.net/tag/js/gpt.js";
      s.async = true;
      document.head.appendChild(s);
    }
    root.googletag.cmd.push(function () {
      var gt = root.googletag;
      // Creatives render cross-domain (SafeFrame): a same-origin ad frame would inherit our CSP.
      gt.pubads().setForceSafeFrame(true);
      var mapping = gt.sizeMapping();
      config.mapping.forEach(function (row) { mapping.addSize(row[0], row[1]); });
      var slot = gt.defineSlot(config.path, config.sizes, unit.id);
      if (!slot) { return; }
      slot.defineSizeMapping(mapping.build()).addService(gt.pubads());
      Object.keys(config.targeting).forEach(function (key) {
        slot.setTargeting(key, config.targeting[key]);
      });
      if (unit.dataset.lazy) {
        gt.pubads().enableLazyLoad({ fetchMarginPercent: 200, renderMarginPercent: 100 });
      }
      gt.enableServices();
      gt.display(unit.id);
    });
  }

  var adsenseQueued = false;
  function startAdsense(ins) {
    if (!adsenseQueued) {
      adsenseQueued = true;
      var s = document.createElement("script");
      s.src = "https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js?client=" +
        encodeURIComponent(ins.dataset.adClient);
      s.async = true;
      s.crossOrigin = "anonymous";
      document.head.appendChild(s);
    }
    (root.adsbygoogle = root.adsbygoogle || []).push({});
  }

  function show(box, chosen, current) {
    var live = current ? current.element : null;
    if (chosen && chosen !== current) {
      var fresh = chosen.template.content.firstElementChild.cloneNode(true);
      if (live) { live.replaceWith(fresh); } else { box.replaceChildren(fresh); }
      live = fresh;
    } else if (!chosen) {
      var empty = box.querySelector("template.ad-empty");
      box.replaceChildren(empty ? empty.content.cloneNode(true) : "");
      box.dataset.creative = "none";
      return;
    }
    box.dataset.creative = live.className.replace(/.*ad-creative--(\w+).*/, "$1");
    report("o", Number(live.dataset.placement));
    if (observer) { observer.observe(live); }
    var unit = live.querySelector(".ad-gam");
    if (unit) { startGam(unit); }
    var ins = live.querySelector("ins.adsbygoogle");
    if (ins) { startAdsense(ins); }
  }

  function start() {
    document.querySelectorAll(".ad-slot").forEach(function (slot) {
      beaconUrl = beaconUrl || slot.dataset.beacon;
      var box = slot.querySelector(".ad-slot__box");
      var current = box.querySelector(":scope > .ad-creative");
      var candidates = current ? [describe(current, null)] : [];
      box.querySelectorAll("template.ad-candidate").forEach(function (t) {
        candidates.push(describe(t.content.firstElementChild, t));
      });
      if (!candidates.length) { return; }
      var chosen = pick(candidates, Date.now(), Math.random);
      show(box, chosen, current ? candidates[0] : null);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { flush(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})(typeof window !== "undefined" ? window : globalThis);
