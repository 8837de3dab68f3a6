"""Placeholder until the page lands."""
import streamlit as st

st.title("strategy")
st.info("This page is being built.")
