"""Qt-free domain: rational time, timecode, the project model, its store and edit commands."""
