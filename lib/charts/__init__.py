"""Chart builders: small frames in, plotly figures out."""
