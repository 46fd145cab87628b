/* Form errors that go as soon as the field is put right (QA R13), on the worker's and the residents'
 * report forms. A field is marked with Bootstrap's is-invalid (by the server's page or by a check
 * before sending): the mark, the message beside it (.invalid-feedback, shown by the mark) and the
 * form's own message about that field go when the field is given a value. */

/* Mark ``field`` invalid (or not); with ``message``, say it right under the field (Bootstrap shows an
 * .invalid-feedback after a marked field and hides it with the mark). */
export function markInvalid(field, invalid, message) {
  field.classList.toggle("is-invalid", !!invalid);
  if (invalid) field.setAttribute("aria-invalid", "true");
  else field.removeAttribute("aria-invalid");
  if (invalid && message) {
    var id = field.id + "-feedback", note = document.getElementById(id);
    if (!note) {
      note = document.createElement("div");
      note.id = id;
      note.className = "invalid-feedback";
      field.insertAdjacentElement("afterend", note);
      field.setAttribute("aria-describedby", id);
    }
    note.textContent = message;
  }
}

function filled(field) {
  if (field.type === "file") return !!(field.files && field.files.length);
  return field.value.trim() !== "";
}

/* Watch ``fields``: once one marked invalid holds a value, its mark goes and ``onCorrected(field)``
 * is called (the caller clears a message of its own about that field). */
export function clearWhenCorrected(fields, onCorrected) {
  fields.forEach(function (field) {
    if (!field) return;
    function check() {
      if (!field.classList.contains("is-invalid") || !filled(field)) return;
      markInvalid(field, false);
      if (onCorrected) onCorrected(field);
    }
    field.addEventListener("input", check);
    field.addEventListener("change", check);
  });
}
