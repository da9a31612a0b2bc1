// The try-it page: what runs, live counters, and one upload at a time. Plain JavaScript, no build step.
"use strict";

const COUNTER_PERIOD_MS = 2000;
let maxUploadBytes = 0;

function text(id, value) {
  document.getElementById(id).textContent = value;
}

function showError(message) {
  const error = document.getElementById("error");
  error.textContent = message;
  error.hidden = false;
  document.getElementById("result").hidden = true;
}

function row(table, key, value) {
  const tr = table.insertRow();
  tr.insertCell().textContent = key;
  tr.insertCell().textContent = value;
}

async function loadAbout() {
  const response = await fetch("api/about", { cache: "no-store" });
  const about = await response.json();
  const body = document.querySelector("#about tbody");
  body.replaceChildren();
  row(body, "model", about.model + " @ " + about.model_revision + " on " + about.device);
  row(body, "vocabulary", about.vocabulary + " (version " + about.vocabulary_version + ", " + about.labels + " labels)");
  row(body, "method", about.method + " (" + about.mode + " mode" + (about.boxes ? ", boxes on" : ", boxes off") + ")");
  row(body, "service", about.service_version);
  maxUploadBytes = about.max_upload_bytes;
  text("limit", "JPEG, PNG, GIF, BMP or WebP, up to " + megabytes(maxUploadBytes));
}

function megabytes(bytes) {
  return (bytes / (1024 * 1024)).toFixed(1) + " MiB";
}

async function refreshCounters() {
  try {
    const response = await fetch("api/counters", { cache: "no-store" });
    const counters = await response.json();
    for (const key of ["tagged", "failed", "in_flight", "queued_batches", "inference_calls"]) {
      text("count-" + key, Math.round(counters[key]).toString());
    }
    text("count-inference_mean_ms", counters.inference_mean_ms.toFixed(0) + " ms");
  } catch (e) {
    text("count-tagged", "unavailable");
  }
}

async function upload(event) {
  event.preventDefault();
  const file = document.getElementById("file").files[0];
  document.getElementById("error").hidden = true;
  if (!file) {
    showError("Choose an image file first.");
    return;
  }
  if (maxUploadBytes && file.size > maxUploadBytes) {
    showError(file.name + " is " + megabytes(file.size) + "; this service accepts up to " + megabytes(maxUploadBytes) + ".");
    return;
  }
  const status = document.getElementById("status");
  const button = document.getElementById("submit");
  status.textContent = "Tagging " + file.name + "…";
  status.hidden = false;
  button.disabled = true;
  try {
    const response = await fetch("api/tag", {
      method: "POST",
      headers: { "Content-Type": file.type || "application/octet-stream" },
      body: file,
    });
    let answer = null;
    try {
      answer = await response.json();
    } catch (e) {
      answer = null;
    }
    if (!response.ok) {
      if (response.status === 413 && !answer) {
        showError(file.name + " is larger than this service accepts (" + megabytes(maxUploadBytes) + ").");
      } else {
        showError(answer && answer.error ? answer.error : "The service answered " + response.status + ".");
      }
      return;
    }
    showResult(answer);
  } catch (e) {
    showError("Could not reach the service: " + e.message);
  } finally {
    status.hidden = true;
    button.disabled = false;
    refreshCounters();
  }
}

function showResult(answer) {
  const list = document.getElementById("tags");
  list.replaceChildren();
  answer.tags.forEach((tag) => {
    const item = document.createElement("li");
    item.className = "tag";
    item.dataset.label = tag.label;
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = tag.colour; // the label's colour on the overlay
    const label = document.createElement("span");
    label.className = "label";
    label.textContent = tag.label;
    const score = document.createElement("span");
    score.className = "score";
    score.textContent = tag.score.toFixed(3) + (tag.box ? "  box " + tag.box.join(", ") : "");
    item.append(swatch, label, score);
    list.append(item);
  });
  const p = answer.provenance;
  text("provenance", answer.width + "×" + answer.height + " px, " + answer.inference_ms + " ms; " + p.method + ", " +
      p.model + " @ " + p.model_revision + ", " + p.vocabulary + " " + p.vocabulary_version + ", parameters " +
      p.params_version);
  document.getElementById("overlay").src = answer.overlay;
  document.getElementById("result").hidden = false;
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("upload").addEventListener("submit", upload);
  loadAbout().catch((e) => showError("Could not read what this service runs: " + e.message));
  refreshCounters();
  setInterval(refreshCounters, COUNTER_PERIOD_MS);
});
