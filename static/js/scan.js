/* Scanning a pickup code's QR code on the pickup list, as progressive enhancement: typing the code
   always works; where the browser has a barcode detector that reads QR codes and a camera, a
   "Scan" button appears, the camera view opens in the page and the first code read is put in the
   field and submitted. Nothing leaves the device: the detector runs in the browser. */
(function () {
  "use strict";
  var form = document.querySelector("[data-scan-form]");
  if (!form || !("BarcodeDetector" in window) || !navigator.mediaDevices ||
      !navigator.mediaDevices.getUserMedia) { return; }
  var start = form.querySelector("[data-scan-start]");
  var stop = form.querySelector("[data-scan-stop]");
  var panel = form.querySelector("[data-scanner]");
  var video = panel.querySelector("video");
  var status = form.querySelector("[data-scan-status]");
  var input = form.querySelector("input[name=code]");
  var stream = null, timer = null, detector = null;

  function finish() {
    clearTimeout(timer);
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    video.srcObject = null;
    panel.hidden = true;
    start.hidden = false;
  }

  function look() {
    detector.detect(video).then(function (codes) {
      var text = codes.length ? String(codes[0].rawValue || "").trim() : "";
      if (text) {
        finish();
        input.value = text;
        form.submit();
      } else if (stream) {
        timer = setTimeout(look, 200);
      }
    }).catch(function () { if (stream) { timer = setTimeout(look, 400); } });
  }

  function failed() {
    finish();
    status.textContent = form.dataset.msgFailed;
    panel.hidden = false;
    video.hidden = true;
    stop.hidden = true;
    input.focus();
  }

  start.addEventListener("click", function () {
    status.textContent = form.dataset.msgAim;
    video.hidden = false;
    stop.hidden = false;
    panel.hidden = false;
    start.hidden = true;
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        return video.play();
      })
      .then(function () { if (stream) { look(); } })
      .catch(failed);
  });

  stop.addEventListener("click", function () { finish(); start.focus(); });
  window.addEventListener("pagehide", finish);

  // Only QR codes are read; a browser whose detector lacks them keeps the button hidden.
  var formats = window.BarcodeDetector.getSupportedFormats
    ? window.BarcodeDetector.getSupportedFormats() : Promise.resolve(["qr_code"]);
  formats.then(function (list) {
    if (list.indexOf("qr_code") === -1) { return; }
    detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    start.hidden = false;
  }).catch(function () { /* no detector after all: typing still works */ });
})();
