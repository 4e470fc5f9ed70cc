"""The pure core: the payment intent model and rules (``model``) and the use cases that drive them."""
