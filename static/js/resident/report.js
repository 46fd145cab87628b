/* The residents' report page (/report): the pin, the phone's location and address suggestions
 * (../pin-map.js), a photo scaled down before it goes (../photo.js), and the form sent with fetch
 * asking for JSON; the answer's status link is opened. Without this script the form still posts. */
import { api, byId, errorOf, fmt } from "../core.js";
import { pinMap } from "../pin-map.js";
import { previewPhoto, scaledPhoto } from "../photo.js";

var form = byId("resident-form");
if (form) start();

function start() {
  var settings = JSON.parse(form.getAttribute("data-settings"));
  var T = settings.texts;
  var statusBox = byId("resident-status"), submit = byId("resident-submit");
  var photo = null;
  pinMap(settings);

  function say(text, isError) {
    statusBox.textContent = text || "";
    statusBox.classList.toggle("gm-app-error", !!isError);
  }

  function markErrors(errors) {
    form.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    var fields = { category: "report-category", description: "report-description", photo: "report-photo",
                   phone: "resident-phone", address: "where-address" };
    var messages = [];
    errors.forEach(function (e) {
      var el = fields[e.field] && byId(fields[e.field]);
      if (el) el.classList.add("is-invalid");
      messages.push(e.message);
    });
    say(messages.join(" "), true);
  }

  byId("report-photo").addEventListener("change", function (ev) {
    var file = ev.target.files && ev.target.files[0];
    scaledPhoto(file).then(function (blob) {
      photo = blob;
      previewPhoto(byId("report-preview"), blob);
      if (blob) say(fmt(T.photo_ready, { kb: Math.round(blob.size / 1024) }));
    });
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var data = new FormData(form);
    data.delete("photo");
    if (photo) data.append("photo", photo, "photo.jpg");
    submit.disabled = true;
    say(T.sending || "…");
    api("POST", form.action, data).then(function (res) {
      if (res.status === 201) { window.location.assign(res.body.status_url + "?new=1"); return; }
      submit.disabled = false;
      var e = errorOf(res);
      markErrors(e.details && e.details.errors ? e.details.errors : [{ field: "form", message: e.message }]);
    }, function (e) {
      submit.disabled = false;
      say(e.message, true);
    });
  });
}
