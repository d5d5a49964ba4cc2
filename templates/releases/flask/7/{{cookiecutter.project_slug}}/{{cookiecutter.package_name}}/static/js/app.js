// The item form, enhanced: load the items from the JSON API, and add new ones without a reload.
// Without JavaScript the form still works: it posts to the server, which redirects back.
// No inline scripts anywhere, so the Content-Security-Policy can forbid them.
"use strict";

(() => {
  const form = document.getElementById("item-form");
  const list = document.getElementById("item-list");
  if (!form || !list) {
    return;
  }
  const input = document.getElementById("item-name");
  const error = document.getElementById("item-error");
  const button = form.querySelector("button[type=submit]");
  const apiUrl = form.dataset.api;

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
  }

  function appendItem(item) {
    const li = document.createElement("li");
    li.textContent = item.name; // textContent, never innerHTML: names are user input
    li.dataset.id = item.id;
    list.append(li);
  }

  // The API sends the items a page at a time, each with the URL of the next ("next").
  async function loadItems() {
    const items = [];
    for (let url = apiUrl; url; ) {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) {
        throw new Error(`Could not load the items (HTTP ${response.status}).`);
      }
      const data = await response.json();
      items.push(...data.items);
      url = data.next;
    }
    list.replaceChildren();
    items.forEach(appendItem);
  }

  // Submitting waits for the first load, so that it cannot replace a freshly added item.
  const loaded = loadItems().catch((err) => showError(err.message));

  async function createItem(event) {
    event.preventDefault();
    button.disabled = true;
    try {
      await loaded;
      const response = await fetch(apiUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ name: input.value }),
      });
      const data = await response.json().catch(() => ({}));
      if (response.status === 201) {
        appendItem(data);
        input.value = "";
        showError("");
      } else if ((response.status === 422 || response.status === 409) && data.errors) {
        showError(Object.values(data.errors).flat().join(" "));
      } else {
        showError(data.message || `Could not add the item (HTTP ${response.status}).`);
      }
    } catch {
      showError("Could not reach the server. Check your connection and try again.");
    } finally {
      button.disabled = false;
      input.focus();
    }
  }

  form.addEventListener("submit", createItem);
})();
