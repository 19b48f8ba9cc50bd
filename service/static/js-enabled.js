// Marks the page as having JavaScript so GOV.UK Frontend's enhancements apply. Loaded from a
// file, not inline, so the Content-Security-Policy can forbid inline script.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
