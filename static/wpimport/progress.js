// The Imports page: poll the run's progress and update the bar and the report in place.
(function () {
  "use strict";
  const bar = document.getElementById("import-progress");
  if (!bar) return;
  const ACTIVE = ["uploaded", "queued", "running"];
  let last = bar.dataset.status;

  async function poll() {
    let data;
    try {
      const response = await fetch(bar.dataset.url, { credentials: "same-origin" });
      if (!response.ok) return setTimeout(poll, 5000);
      data = await response.json();
    } catch (error) {
      return setTimeout(poll, 5000);
    }
    bar.max = data.total || 1;
    bar.value = data.done;
    bar.textContent = `${data.done} / ${data.total}`;
    document.getElementById("import-count").textContent = `${data.done} / ${data.total}`;
    document.getElementById("import-status").textContent = data.label;
    document.getElementById("import-report").textContent = data.lines.join("\n");
    // The dry run finished: show its report and the confirm button (one reload, once).
    if (last === "uploaded" && data.status !== "uploaded") return window.location.reload();
    last = data.status;
    if (ACTIVE.includes(data.status)) setTimeout(poll, 2000);
  }
  if (ACTIVE.includes(last)) setTimeout(poll, 1000);
})();
