"""The Streamlit layer: the only part of the package that imports streamlit.

runtime (the store resource and its day-cache warm-up), session (user, language, day, page
arrival), render (escaped text, badges, charts, dates, errors), nav (the one page registry),
sign_in (the gate and the session clock), student_charts and student_page/ (the student file).
"""
