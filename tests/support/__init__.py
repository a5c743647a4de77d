"""What the tests share, in one place: fixtures (the fresh database, the store, staff, the
app's window), answers and signatures a patient might give, intakes made through the store
or the session, PDF text read back, and drivers of the app's screens and processes."""
