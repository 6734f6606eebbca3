"""Episode and highlight proposals: pure scoring cores, and the services that store them."""
