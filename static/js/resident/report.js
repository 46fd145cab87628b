/* The residents' report page (/report): the pin, the phone's location and address suggestions
 * (../pin-map.js), a photo scaled down before it goes (../photo.js), and the form sent with fetch
 * asking for JSON; the answer's status link is opened. Without this script the form still posts. */
import { api, byId, errorOf, fmt } from "../core.js";
import { clearWhenCorrected, markInvalid } from "../form-errors.js";
import { pinMap } from "../pin-map.js";
import { previewPhoto, scaledPhoto } from "../photo.js";

var form = byId("resident-form");
if (form) start();

function start() {
  var settings = JSON.parse(form.getAttribute("data-settings"));
  var T = settings.texts;
  var statusBox = byId("resident-status"), submit = byId("resident-submit");
  var photo = null;
  // Fields the last refusal named, by the answer's field name: the message goes once all are put right.
  var FIELDS = { category: "report-category", description: "report-description", photo: "report-photo",
                 phone: "resident-phone", address: "where-address" };
  var faulty = {};
  settings.onPlace = function () {
    markInvalid(byId("where-address"), false);
    corrected("location");
    corrected("address");
  };
  pinMap(settings);
  clearWhenCorrected(Object.keys(FIELDS).map(function (name) { return byId(FIELDS[name]); }), function (field) {
    Object.keys(FIELDS).forEach(function (name) { if (FIELDS[name] === field.id) corrected(name); });
  });

  function corrected(name) {
    if (!faulty[name]) return;
    delete faulty[name];
    if (!Object.keys(faulty).length) say("");
  }

  function say(text, isError) {
    statusBox.textContent = text || "";
    statusBox.classList.toggle("gm-app-error", !!isError);
    faulty = {};
  }

  function markErrors(errors) {
    form.querySelectorAll(".is-invalid").forEach(function (el) { markInvalid(el, false); });
    var messages = [], named = {};
    errors.forEach(function (e) {
      var el = FIELDS[e.field] && byId(FIELDS[e.field]);
      if (el) markInvalid(el, true);
      if (e.field && e.field !== "form" && e.field !== "key") named[e.field] = true;
      messages.push(e.message);
    });
    say(messages.join(" "), true);
    faulty = named;
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
