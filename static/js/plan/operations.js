/* The edit log: the draft's operations, undone ones marked. */
import { byId } from "../core.js";
import { planApi, state, t } from "./state.js";

export function loadOperations() {
  return planApi("GET", "drafts/" + state.draft.id + "/operations").then(function (res) {
    if (!res.ok) return;
    state.operations = res.body.operations || [];
    var list = byId("plan-operations");
    list.innerHTML = "";
    if (!state.operations.length) {
      var empty = document.createElement("li");
      empty.className = "text-muted";
      empty.textContent = t("no_operations");
      list.appendChild(empty);
    }
    state.operations.forEach(function (op) {
      var li = document.createElement("li");
      li.className = op.state === "undone" ? "gm-undone" : "";
      li.dataset.kind = op.kind;
      li.dataset.state = op.state;
      // The server's line names what moved, from where, to where (app/plan/messages.py).
      var line = op.description;
      if (!line) {
        line = t("op_" + op.kind) + " " +
          ((op.params && (op.params.code || op.params.target || (op.params.codes || []).join(", "))) || "");
      }
      li.textContent = line + " · " + (op.actor || "") + (op.state === "undone" ? " " + t("undone") : "");
      list.appendChild(li);
    });
  }, function () { /* the log is informative; the edit itself is already saved */ });
}
