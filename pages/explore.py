"""Placeholder until the page lands."""
import streamlit as st

st.title("explore")
st.info("This page is being built.")
