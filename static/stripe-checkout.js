// Card payment with Stripe's Payment Element: it collects the card (or wallet), runs
// 3-D Secure when the bank asks, and sends the learner back to the order's return page,
// which reads the real state from Stripe. Card details never touch our server.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  var errorBox = document.getElementById("card-error");
  if (!form) return;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  if (typeof window.Stripe !== "function") {
    showError("The card form could not load. Check your connection and reload the page.");
    return;
  }
  var stripe = window.Stripe(form.dataset.publishableKey);
  var elements = stripe.elements ? stripe.elements({ clientSecret: form.dataset.clientSecret }) : null;
  var slot = document.getElementById("payment-element");
  // A Stripe.js that cannot confirm a PaymentIntent (a local test server such as
  // localstripe) gets no card form: the payment is completed outside the browser.
  var mounted = false;
  if (typeof stripe.confirmPayment === "function" && elements && elements.create) {
    try {
      slot.textContent = "";
      elements.create("payment").mount("#payment-element");
      mounted = true;
    } catch (err) {
      mounted = false;
    }
  }
  if (!mounted) {
    slot.textContent =
      "This Stripe server offers no card form. Your seat stays held while the payment is " +
      "completed; this page's \"Check the payment\" link shows when it has arrived.";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!mounted) {
      showError("The card form is not available; try again later or pay by invoice.");
      return;
    }
    var button = document.getElementById("card-submit");
    button.disabled = true;
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
      .then(function (result) {
        // Only reached on an immediate error; success leaves for the return URL.
        if (result && result.error) showError(result.error.message);
        button.disabled = false;
      });
  });
})();
