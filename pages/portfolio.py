"""Placeholder until the page lands."""
import streamlit as st

st.title("portfolio")
st.info("This page is being built.")
