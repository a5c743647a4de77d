"""The app around the screens: start-up, the main window, the idle watch, the crash handler."""
