// The invite page of the review portal: its URL is <portal>/invite#<token>. The token sits in the
// fragment, which browsers never send, so it stays out of proxy and server logs; this script
// posts it once, and the answer sets the session cookie. Then on to the review page.
const message = document.getElementById('invite-message');

async function redeem(token) {
  const response = await fetch('/api/invite', {
    method: 'POST',
    cache: 'no-store',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
  return body;
}

const token = decodeURIComponent(window.location.hash.slice(1));
// The token is used up either way: keep it out of the history.
window.history.replaceState(null, '', '/invite');
if (!token) {
  message.textContent = 'This link holds no invite: open the whole link you were given.';
} else {
  redeem(token)
    .then((answer) => window.location.replace(answer.redirect ?? '/'))
    .catch((error) => {
      message.textContent = `This invite cannot sign you in (${error.message}). ` +
        'An invite works once: ask whoever runs the review for a new one.';
      message.classList.add('serve-error');
    });
}
