"""The app's screens: the main ones reached by number keys, and the modal dialogs."""
