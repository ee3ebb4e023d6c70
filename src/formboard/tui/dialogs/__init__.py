"""The small windows any screen opens over itself: a question with keyed answers
(``choice``), a form of a few fields (``prompt``), a write asked for and asked again if it
fails (``asking``), and what makes every screen close once (``closing``).

They know no screen: a screen opens them and takes their answer.
"""
