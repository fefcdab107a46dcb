// Drag an appointment to another time or day (or practitioner column) to move it.
// The drop posts the new wall-clock start to the move endpoint; the server answers
// with the re-rendered grid (htmx) and an error event when the move was refused.
(function () {
  function snap(minutes, step) { return Math.round(minutes / step) * step; }
  function pad(n) { return String(n).padStart(2, "0"); }
  document.addEventListener("dragstart", function (e) {
    var el = e.target.closest && e.target.closest(".cal-appt[draggable=true]");
    if (!el) return;
    e.dataTransfer.setData("text/plain", el.dataset.moveUrl);
    e.dataTransfer.effectAllowed = "move";
    var rect = el.getBoundingClientRect();
    el.dataset.grabOffset = String(e.clientY - rect.top);
    window.acuflowDragging = el;
  });
  document.addEventListener("dragover", function (e) {
    var body = e.target.closest && e.target.closest(".cal-body");
    if (body && window.acuflowDragging) { e.preventDefault(); body.classList.add("drop-target"); }
  });
  document.addEventListener("dragleave", function (e) {
    var body = e.target.closest && e.target.closest(".cal-body");
    if (body) body.classList.remove("drop-target");
  });
  document.addEventListener("drop", function (e) {
    var body = e.target.closest && e.target.closest(".cal-body");
    var el = window.acuflowDragging;
    window.acuflowDragging = null;
    if (!body || !el) return;
    e.preventDefault();
    body.classList.remove("drop-target");
    var cal = body.closest(".cal");
    var px = parseFloat(cal.dataset.pxPerMinute), top = parseInt(cal.dataset.topMinutes, 10);
    var step = parseInt(cal.dataset.step, 10);
    var y = e.clientY - body.getBoundingClientRect().top - parseFloat(el.dataset.grabOffset || "0");
    var minutes = snap(top + y / px, step);
    if (minutes < 0) minutes = 0;
    if (minutes > 24 * 60 - step) minutes = 24 * 60 - step;
    var start = body.dataset.day + "T" + pad(Math.floor(minutes / 60)) + ":" + pad(minutes % 60);
    var values = { start: start, practitioner: body.dataset.practitioner || el.dataset.practitioner };
    htmx.ajax("POST", el.dataset.moveUrl + "?" + cal.dataset.moveQuery, { target: "#calendar", values: values });
  });
  document.addEventListener("calendarError", function (e) {
    var box = document.getElementById("calendar-error");
    if (!box) return;
    box.textContent = e.detail.value || "";
    box.hidden = !box.textContent;
  });
})();
