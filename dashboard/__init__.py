"""Regiebord: coordination of guidance for vulnerable mbo students.

The package holds the domain, the store and the services; nothing in it imports streamlit
except its Streamlit layer, `dashboard.app`.
"""
