/* The site form's map, as progressive enhancement: the latitude and longitude fields stay the
   truth and stay typable. A draggable marker shows them; dragging it or tapping the map fills
   them; typing in them moves it. "Find the address" asks /sites/places for the address field's
   text and lists the places found; choosing one moves the marker there. Without JavaScript the
   same button posts the form and the server lists the places (web/sites.py). */
(function () {
  "use strict";
  var el = document.getElementById("site-picker");
  var latInput = el && document.getElementById(el.dataset.latInput);
  var lngInput = el && document.getElementById(el.dataset.lngInput);
  if (!el || !latInput || !lngInput) { return; }

  var KERA = [60.2161, 24.7539];
  var TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
  var ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';
  // Finnish and Swedish write 60,2161; the fields accept both marks, so write the reader's.
  var COMMA = /^(fi|sv)/.test(document.documentElement.lang || "");

  function parse(text) {
    var value = parseFloat(String(text).trim().replace("\u2212", "-").replace(",", "."));
    return isFinite(value) ? value : null;
  }
  function write(value) {
    var text = value.toFixed(5);
    return COMMA ? text.replace(".", ",") : text;
  }
  function typed() {
    var lat = parse(latInput.value), lng = parse(lngInput.value);
    return lat !== null && lng !== null && Math.abs(lat) <= 90 && Math.abs(lng) <= 180
      ? [lat, lng] : null;
  }

  var map = null, marker = null;
  if (window.L) {
    L.Icon.Default.imagePath = document.querySelector('link[href*="leaflet.css"]').href
      .replace(/leaflet\.css.*$/, "images/");
    var start = typed();
    map = L.map(el, { scrollWheelZoom: false }).setView(start || KERA, start ? 16 : 14);
    L.tileLayer(TILES, { maxZoom: 19, attribution: ATTRIBUTION }).addTo(map);
    if (start) { place(start, false); }
    map.on("click", function (e) { place([e.latlng.lat, e.latlng.lng], true); });
  }

  /* Put the marker at `point`; `fill`: write the point into the fields too. */
  function place(point, fill) {
    if (fill) {
      latInput.value = write(point[0]);
      lngInput.value = write(point[1]);
    }
    if (!map) { return; }
    if (marker) {
      marker.setLatLng(point);
    } else {
      marker = L.marker(point, { draggable: true, title: el.dataset.label, alt: el.dataset.label })
        .addTo(map);
      marker.on("dragend", function () {
        var at = marker.getLatLng();
        place([at.lat, at.lng], true);
      });
    }
  }

  function follow() {
    var point = typed();
    if (point) { place(point, false); map && map.panTo(point); }
  }
  latInput.addEventListener("change", follow);
  lngInput.addEventListener("change", follow);

  /* Address search. */
  var box = document.getElementById("place-search");
  var button = document.getElementById("place-search-button");
  var status = document.getElementById("place-status");
  var list = document.getElementById("place-results");
  var address = document.getElementById("address");
  if (!box || !button || !status || !list || !address || !window.fetch) { return; }

  function say(text) { status.textContent = text; }

  function show(places) {
    list.textContent = "";
    places.forEach(function (p) {
      var item = document.createElement("li");
      var choose = document.createElement("button");
      choose.type = "button";
      choose.textContent = p.label;
      choose.addEventListener("click", function () {
        place([p.lat, p.lng], true);
        if (map) { map.setView([p.lat, p.lng], 17); }
        list.textContent = "";
        say(box.dataset.placed.replace("__LABEL__", p.label));
        latInput.focus();
      });
      var source = document.createElement("span");
      source.className = "hint";
      source.textContent = " " + box.dataset.source.replace("__SOURCE__", p.source);
      item.appendChild(choose);
      item.appendChild(source);
      list.appendChild(item);
    });
  }

  button.addEventListener("click", function (event) {
    event.preventDefault();
    var text = address.value.trim();
    list.textContent = "";
    say(box.dataset.searching);
    fetch(box.dataset.url + "?q=" + encodeURIComponent(text), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok && body.places) {
          if (body.places.length) { say(box.dataset.choose); show(body.places); }
          else { say(box.dataset.none.replace("__TEXT__", text)); }
        } else if (response.status === 400 && body.error) {
          say(body.error.message);
        } else {
          say(box.dataset.unavailable);
        }
      });
    }).catch(function () { say(box.dataset.unavailable); });
  });
})();
