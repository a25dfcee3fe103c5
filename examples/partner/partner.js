// The partner's own script: state in globals (as many sites still keep it)
// and a ticking clock. The e2e test checks the widget leaves all of it alone.
window.init = 'partner-init';
window.render = 'partner-render';
window.start = 'partner-start';
window.partner = { ticks: 0, errors: [], cspViolations: [] };
window.addEventListener('error', (event) => window.partner.errors.push(String(event.message)));
document.addEventListener('securitypolicyviolation', (event) => {
  window.partner.cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
setInterval(() => {
  window.partner.ticks += 1;
  const clock = document.getElementById('partner-clock');
  if (clock) clock.dataset.ticks = String(window.partner.ticks);
}, 250);
