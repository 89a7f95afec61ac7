//! tring through the component.
