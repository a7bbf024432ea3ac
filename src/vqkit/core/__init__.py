"""The core: seeding, the Lloyd iteration loop, convergence and empty-cluster
policies, written once over the backend protocol (``vqkit.backends``)."""
