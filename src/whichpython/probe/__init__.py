"""The probe: a stdlib-only script run inside each interpreter, and its runner."""
