// The items page, enhanced: load the items from the JSON API, and add new ones without a
// reload. Without JavaScript the form still works: it posts to the page, which redirects back.
// Loaded as a module (deferred, strict) by index.html; there are no inline scripts.

const form = document.getElementById("item-form");
const input = document.getElementById("item-name");
const list = document.getElementById("item-list");
const error = document.getElementById("item-error");
const button = form.querySelector("button[type=submit]");

const apiUrl = form.dataset.apiUrl;

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

// Submitting waits for the first load, so that the load cannot replace a freshly added item.
const loaded = loadItems().catch((err) => showError(err.message));

async function createItem(event) {
  event.preventDefault();
  button.disabled = true;
  try {
    await loaded;
    const response = await fetch(apiUrl, {
      method: "POST",
      // JSON: a cross-site page cannot send it without the server's consent (CORS). With
      // accounts, the API also checks the CSRF token of a logged-in browser's session.
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
      },
      body: JSON.stringify({ name: input.value }),
    });
    const data = await response.json().catch(() => ({}));
    if (response.status === 201) {
      appendItem(data);
      input.value = "";
      showError("");
    } else if (response.status === 401) {
      showError("Log in to add an item.");
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
