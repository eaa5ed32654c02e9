/* Maps as progressive enhancement: pages carry the address and coordinates as text; this file
   only adds Leaflet maps where an element asks for one. OpenStreetMap tiles may fail to load:
   the page stays usable. */
(function () {
  "use strict";
  if (!window.L) { return; }
  var TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
  var ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>';
  L.Icon.Default.imagePath = document.querySelector('link[href*="leaflet.css"]').href.replace(/leaflet\.css.*$/, "images/");

  function baseMap(el, lat, lng, zoom) {
    var map = L.map(el, { scrollWheelZoom: false }).setView([lat, lng], zoom);
    L.tileLayer(TILES, { maxZoom: 19, attribution: ATTRIBUTION }).addTo(map);
    return map;
  }

  /* A single site on a listing page. */
  var site = document.getElementById("site-map");
  if (site) {
    var lat = parseFloat(site.dataset.lat), lng = parseFloat(site.dataset.lng);
    var m = baseMap(site, lat, lng, 16);
    L.marker([lat, lng], { title: site.dataset.label, alt: site.dataset.label }).addTo(m);
  }

  /* Search results on a map: one marker per site, listing the lots found there. */
  var resultsMap = null;
  function results() {
    var el = document.getElementById("results-map");
    var data = document.getElementById("results-map-data");
    if (resultsMap) { resultsMap.remove(); resultsMap = null; }
    if (!el || !data) { return; }
    var points = JSON.parse(data.textContent);
    var bySite = {};
    points.forEach(function (p) {
      var key = p.lat + "," + p.lng;
      (bySite[key] = bySite[key] || { lat: p.lat, lng: p.lng, site: p.site, items: [] }).items.push(p);
    });
    resultsMap = baseMap(el, 60.2161, 24.7539, 14);
    var bounds = [];
    Object.keys(bySite).forEach(function (key) {
      var s = bySite[key];
      var box = document.createElement("div");
      var heading = document.createElement("strong");
      heading.textContent = s.site;
      box.appendChild(heading);
      var list = document.createElement("ul");
      s.items.forEach(function (item) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = item.url;
        a.textContent = item.title + " (" + item.qty + ")";
        li.appendChild(a);
        list.appendChild(li);
      });
      box.appendChild(list);
      L.marker([s.lat, s.lng], { title: s.site, alt: s.site }).addTo(resultsMap).bindPopup(box);
      bounds.push([s.lat, s.lng]);
    });
    if (bounds.length) { resultsMap.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 }); }
  }
  window.keraMaps = { results: results };
  results();

  /* A wanted post's proposed bundles: where it is needed, and each bundle's pickup sites. */
  var bundleMap = document.getElementById("bundle-map");
  var bundleData = document.getElementById("bundle-map-data");
  if (bundleMap && bundleData) {
    var b = JSON.parse(bundleData.textContent);
    var bm = baseMap(bundleMap, b.need[0], b.need[1], 13);
    var points = [b.need];
    L.circleMarker(b.need, { radius: 7, color: "#b00" }).addTo(bm);
    b.sites.forEach(function (s) {
      var numbers = s.bundles.join(", ");
      var label = numbers + ": " + s.name + " (" + s.distance_km + " km)";
      L.marker([s.lat, s.lng], { title: label, alt: label }).addTo(bm)
        .bindTooltip(numbers, { permanent: true, direction: "top", offset: [-15, -12] });
      points.push([s.lat, s.lng]);
    });
    bm.fitBounds(points, { padding: [30, 30], maxZoom: 16 });
  }

  /* Picking a site's coordinates: clicking the map fills the latitude and longitude fields. */
  var pick = document.getElementById("pick-map");
  if (pick) {
    var latInput = document.getElementById(pick.dataset.latInput);
    var lngInput = document.getElementById(pick.dataset.lngInput);
    var start = [parseFloat(latInput.value.replace(",", ".")) || 60.2161,
                 parseFloat(lngInput.value.replace(",", ".")) || 24.7539];   // 60,2170 is typed too
    var pm = baseMap(pick, start[0], start[1], 15);
    var marker = latInput.value ? L.marker(start).addTo(pm) : null;
    pm.on("click", function (e) {
      latInput.value = e.latlng.lat.toFixed(6);
      lngInput.value = e.latlng.lng.toFixed(6);
      if (marker) { marker.setLatLng(e.latlng); } else { marker = L.marker(e.latlng).addTo(pm); }
    });
  }
})();
