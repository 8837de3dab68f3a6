"""Placeholder until the page lands."""
import streamlit as st

st.title("what_if")
st.info("This page is being built.")
