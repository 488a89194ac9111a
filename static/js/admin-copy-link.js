// "Copy link" beside a new preview link. Without JavaScript (or clipboard access)
// the button stays hidden and the link is selected text in a read-only box.
document.querySelectorAll("[data-copy-target]").forEach((button) => {
  const input = document.getElementById(button.dataset.copyTarget);
  if (!input || !navigator.clipboard) return;
  const status = document.getElementById(`${input.id}-status`);
  button.hidden = false;
  button.addEventListener("click", async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = button.dataset.copiedMessage;
    } catch {
      status.textContent = "Press Ctrl+C (or Cmd+C) to copy the selected link.";
    }
  });
});
