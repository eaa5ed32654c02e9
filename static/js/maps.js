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

  /* Every result of a search on a map: one marker per site with how many listings it holds
     there, clustered when dense. The markers come from main.result_map (the search backend's
     counts over the whole result, not the page); they need no tiles, so the map still shows
     them where tiles are blocked. keraMaps.resultsLayer is the marker layer (tests read it). */
  var resultsMap = null, request = 0;
  function countIcon(text, label, cls) {
    return L.divIcon({
      className: "result-marker " + cls,
      html: '<span aria-hidden="true">' + text + '</span><span class="visually-hidden">' + label + "</span>",
      iconSize: [40, 40],
    });
  }
  function escapeText(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }
  function results() {
    var el = document.getElementById("results-map");
    if (resultsMap) { resultsMap.remove(); resultsMap = null; }
    window.keraMaps.resultsLayer = null;
    if (!el || !el.dataset.src) { return; }
    var mine = ++request;
    resultsMap = baseMap(el, 60.2161, 24.7539, 14);
    var map = resultsMap;
    fetch(el.dataset.src, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        if (mine !== request || map !== resultsMap) { return; }  // a newer search replaced it
        var layer = L.markerClusterGroup ? L.markerClusterGroup({
          showCoverageOnHover: false,
          maxClusterRadius: 40,
          iconCreateFunction: function (cluster) {
            var total = 0, sites = cluster.getAllChildMarkers();
            sites.forEach(function (m) { total += m.options.count; });
            return countIcon(total, escapeText(el.dataset.clusterLabel
              .replace("{listings}", total).replace("{sites}", sites.length)), "result-cluster");
          },
        }) : L.featureGroup();
        var bounds = [];
        data.sites.forEach(function (s) {
          var label = s.label + ": " + s.count_text;
          var marker = L.marker([s.lat, s.lng], {
            icon: countIcon(s.count, escapeText(label), "result-site"),
            title: label, count: s.count, siteId: s.site_id,
          });
          var box = document.createElement("div");
          var heading = document.createElement("strong");
          heading.textContent = s.label;
          var count = document.createElement("p");
          count.textContent = s.count_text;
          var link = document.createElement("a");
          link.href = s.url;
          link.textContent = el.dataset.linkLabel;
          box.appendChild(heading);
          box.appendChild(count);
          box.appendChild(link);
          marker.bindPopup(box);
          layer.addLayer(marker);
          bounds.push([s.lat, s.lng]);
        });
        layer.addTo(map);
        window.keraMaps.resultsLayer = layer;
        el.dataset.sites = String(data.sites.length);
        if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 }); }
      })
      .catch(function () { el.dataset.sites = "error"; });
  }
  window.keraMaps = { results: results, resultsLayer: null };
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
})();
